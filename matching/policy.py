"""The admin's matching policy: one frozen value, passed in, never read from config here.

Every rule that can leak private mail onto a customer's record (free-mail,
robots, bulk mail, auto-creation) is a field, so ``syncd explain`` and the
tests see exactly what the runtime sees. The defaults are the safe ones:
nothing is auto-created and internal-only mail is not logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

AutoCreate = Literal["off", "contacts", "contacts_and_companies"]
_AUTO_CREATE = ("off", "contacts", "contacts_and_companies")


@dataclass(frozen=True, slots=True)
class MatchPolicy:
    """How participants are normalised, filtered and matched."""

    strip_plus_tags: bool = True  # jana+crm@x -> jana@x
    provider_rules: bool = True  # gmail.com/googlemail.com ignore dots in the local part
    freemail_add: frozenset[str] = frozenset()
    freemail_remove: frozenset[str] = frozenset()
    # exact addresses, domains ("@x.com" or "x.com", subdomains included),
    # or fnmatch patterns on the normalised address ("*@bounce.*")
    blocklist: tuple[str, ...] = ()
    drop_robots: bool = True  # noreply, mailer-daemon, postmaster, bounces, ...
    drop_bulk: bool = True  # List-Id, Precedence bulk/list/junk, Auto-Submitted != no
    log_internal_only: bool = False  # log mail whose participants are all internal
    # log mail with no external participant left once robots are dropped (a
    # colleague and a noreply@ sender): stored on no timeline; mail from a
    # blocklisted address is never logged
    log_without_external: bool = False
    auto_create: AutoCreate = "off"

    def __post_init__(self) -> None:
        if self.auto_create not in _AUTO_CREATE:
            raise ValueError(
                f"auto_create must be one of {', '.join(_AUTO_CREATE)}, not {self.auto_create!r}"
            )
        # Accept any iterable from config code but keep the value hashable.
        for name in ("freemail_add", "freemail_remove"):
            value = getattr(self, name)
            if isinstance(value, str):
                raise TypeError(f"{name} must be a collection of domains, not a string")
            if not isinstance(value, frozenset):
                object.__setattr__(self, name, frozenset(value))
        if isinstance(self.blocklist, str):
            raise TypeError("blocklist must be a collection of entries, not a string")
        if not isinstance(self.blocklist, tuple):
            object.__setattr__(self, "blocklist", tuple(self.blocklist))

    @property
    def normalisation_key(self) -> tuple[bool, bool]:
        """The fields that change how an address is normalised (and so index keys)."""
        return (self.strip_plus_tags, self.provider_rules)
