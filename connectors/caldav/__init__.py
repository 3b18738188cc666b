"""CalDAV connector (RFC 4791) with sync-collection (RFC 6578) and RFC 6764 discovery.

Modules: ``session`` (HTTP through the caldav client, errors translated),
``multistatus`` (request bodies, multistatus parsing, canonical hrefs),
``discovery`` (principal, calendar homes, calendars), ``sync`` (what changed:
sync-collection, multiget, ctag/etag), ``cursor`` (the JSON cursor),
``occurrences`` (resources to entries, cautious retraction) and ``connector``.
"""

from __future__ import annotations

from connectors.caldav.connector import CaldavConnector
from connectors.caldav.discovery import CalendarInfo, Discovery

__all__ = ["CaldavConnector", "CalendarInfo", "Discovery"]
