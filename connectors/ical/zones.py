"""Time zones: turning iCalendar DATE / DATE-TIME values into UTC instants.

RFC 5545 §3.3.5 has three DATE-TIME forms: UTC (``...Z``), local with a
``TZID`` parameter (§3.2.19) that names a VTIMEZONE in the same object, and
*floating* (no zone, the wall clock wherever the reader is). icalendar already
resolves IANA names and the Windows zone names Outlook writes
("W. Europe Standard Time", "FLE Standard Time"; it bundles CLDR
``windowsZones.xml``). What it leaves naive, this module resolves:

1. custom VTIMEZONEs of this very file (built without icalendar's
   process-wide cache, so one odd file cannot change another file's zones);
2. Outlook *display names* ("(UTC+01:00) Belgrade, Bratislava, Budapest,
   Ljubljana, Prague") by the first city we know, for the European, Russian
   and Ukrainian zones;
3. a bare "(UTC+02:00)" / "GMT +0100" as a fixed offset;
4. otherwise the value is floating and read in the configured default zone.

All-day DATE values become midnight of that date in the default zone.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar.timezone import tzp

# City in a Windows display name -> IANA zone (Windows registry display names,
# mapped like CLDR windowsZones.xml but to the named city's own zone).
_CITY_ZONES: dict[str, str] = {
    "dublin": "Europe/Dublin",
    "edinburgh": "Europe/London",
    "lisbon": "Europe/Lisbon",
    "london": "Europe/London",
    "monrovia": "Africa/Monrovia",
    "reykjavik": "Atlantic/Reykjavik",
    "amsterdam": "Europe/Amsterdam",
    "berlin": "Europe/Berlin",
    "bern": "Europe/Zurich",
    "rome": "Europe/Rome",
    "stockholm": "Europe/Stockholm",
    "vienna": "Europe/Vienna",
    "belgrade": "Europe/Belgrade",
    "bratislava": "Europe/Bratislava",
    "budapest": "Europe/Budapest",
    "ljubljana": "Europe/Ljubljana",
    "prague": "Europe/Prague",
    "brussels": "Europe/Brussels",
    "copenhagen": "Europe/Copenhagen",
    "madrid": "Europe/Madrid",
    "paris": "Europe/Paris",
    "sarajevo": "Europe/Sarajevo",
    "skopje": "Europe/Skopje",
    "warsaw": "Europe/Warsaw",
    "zagreb": "Europe/Zagreb",
    "athens": "Europe/Athens",
    "bucharest": "Europe/Bucharest",
    "chisinau": "Europe/Chisinau",
    "helsinki": "Europe/Helsinki",
    "kyiv": "Europe/Kyiv",
    "kiev": "Europe/Kyiv",
    "riga": "Europe/Riga",
    "sofia": "Europe/Sofia",
    "tallinn": "Europe/Tallinn",
    "vilnius": "Europe/Vilnius",
    "kaliningrad": "Europe/Kaliningrad",
    "istanbul": "Europe/Istanbul",
    "minsk": "Europe/Minsk",
    "moscow": "Europe/Moscow",
    "st. petersburg": "Europe/Moscow",
    "volgograd": "Europe/Volgograd",
    "astrakhan": "Europe/Astrakhan",
    "ulyanovsk": "Europe/Ulyanovsk",
    "izhevsk": "Europe/Samara",
    "samara": "Europe/Samara",
    "saratov": "Europe/Saratov",
    "ekaterinburg": "Asia/Yekaterinburg",
}

# Renamed IANA links, shown under their current name.
_CANONICAL = {
    "Europe/Kiev": "Europe/Kyiv",
    "Europe/Uzhgorod": "Europe/Kyiv",
    "Europe/Zaporozhye": "Europe/Kyiv",
    "Etc/UTC": "UTC",
    "Etc/GMT": "UTC",
    "Z": "UTC",
}

_OFFSET = re.compile(r"(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)
_DISPLAY_PREFIX = re.compile(r"^\s*\((?:UTC|GMT)[^)]*\)\s*", re.IGNORECASE)


def load_zone(name: str) -> tzinfo:
    """The zone for an IANA name; raises ``ValueError`` for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def _safe_zone(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def city_zone(tzid: str) -> str | None:
    """IANA name for an Outlook display-name TZID, by the first known city."""
    rest = _DISPLAY_PREFIX.sub("", tzid.strip().strip('"'))
    for part in rest.split(","):
        name = _CITY_ZONES.get(part.strip().casefold())
        if name is not None:
            return name
    return None


def offset_zone(tzid: str) -> tzinfo | None:
    """A fixed offset read from "(UTC+02:00) ..." or "GMT +0100", if any."""
    match = _OFFSET.search(tzid)
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
    if delta >= timedelta(hours=24):
        return None
    return timezone(-delta if sign == "-" else delta)


def display_name(zone: tzinfo | None, tzid: str | None) -> str | None:
    """A readable zone name for ``MeetingItem.tzid``: IANA where possible."""
    key = getattr(zone, "key", None)
    if isinstance(key, str):
        return _CANONICAL.get(key, key)
    if zone is UTC:
        return "UTC"
    if tzid:
        return city_zone(tzid) or tzid
    return None


class ZoneResolver:
    """Resolves TZIDs icalendar left unresolved, and converts values to UTC."""

    __slots__ = ("_cache", "floating", "local")

    def __init__(self, floating: tzinfo, local: dict[str, tzinfo] | None = None) -> None:
        self.floating = floating
        self.local = dict(local or {})
        self._cache: dict[str, tzinfo | None] = {}

    def zone_for(self, tzid: str) -> tzinfo | None:
        """The zone a TZID stands for, or None when it must be read as floating."""
        if tzid in self._cache:
            return self._cache[tzid]
        cleaned = tzid.strip().strip('"')
        zone = self.local.get(tzid) or self.local.get(cleaned)
        if zone is None:
            zone = tzp.timezone(cleaned)  # IANA and Windows names
        if zone is None:
            city = city_zone(cleaned)
            zone = _safe_zone(city) if city else None
        if zone is None:
            zone = offset_zone(cleaned)
        self._cache[tzid] = zone
        return zone

    def localize(self, value: Any, tzid: str | None) -> Any:
        """Attach the TZID's zone to a naive DATE-TIME; leave anything else alone."""
        if isinstance(value, datetime) and value.tzinfo is None and tzid:
            zone = self.zone_for(tzid)
            if zone is not None:
                return value.replace(tzinfo=zone)
        return value

    def to_utc(self, value: date) -> datetime:
        """UTC instant of a DATE (midnight, floating zone) or DATE-TIME."""
        if not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day)
        if value.tzinfo is None or value.utcoffset() is None:
            value = value.replace(tzinfo=self.floating)
        return value.astimezone(UTC)
