"""Error hierarchy shared by every layer.

A leaf module: it imports nothing from the project, so connectors, matching
and the runtime can all raise these without breaking the one-way data flow.
"""

from __future__ import annotations


class SyncdError(Exception):
    """Root of every error syncd raises on purpose."""


class TransientError(SyncdError):
    """A failure worth retrying (network blip, server busy)."""


class AuthError(SyncdError):
    """Credentials refused: the connector pauses until its config changes."""


class ProtocolError(SyncdError):
    """The peer answered something we cannot use."""


class ParseError(SyncdError):
    """One item could not be read; it goes to quarantine with this reason."""


class ConfigError(SyncdError):
    """User-facing configuration problems, each with the field's path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))

    def __str__(self) -> str:
        return "invalid configuration:\n" + "\n".join(f"  - {p}" for p in self.problems)


class ImportRowError(SyncdError):
    """A CSV import row is invalid; nothing from the file was written."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"line {n}: {msg}" for n, msg in problems))
