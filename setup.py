"""Build hook: compile matching's hot path with mypyc (README, "Matching at scale").

Only the per-address and per-message path is compiled (normalising,
deciding, the message scan and the records it hands out), so a build stays
short. The same sources run
as plain Python when the extension is absent; ``SYNCD_PURE_PYTHON=1`` skips
compiling (no C compiler, debugging, or measuring the difference).
"""

from __future__ import annotations

import os
from pathlib import Path

from setuptools import setup

HOT_PATH = [
    "matching/addresses.py",
    "matching/decisions.py",
    "matching/participants.py",
    "matching/records.py",
]


def _ext_modules() -> list[object]:
    if os.environ.get("SYNCD_PURE_PYTHON", "") not in ("", "0"):
        # an editable install left the extensions beside the sources; they would win
        here = Path(__file__).resolve().parent
        for stale in [*here.glob("matching/*.so"), *here.glob("matching_hot__mypyc*.so")]:
            stale.unlink()
        return []
    from mypyc.build import mypycify

    # The project's mypy settings load the pydantic plugin, which the isolated
    # build environment lacks; the hot path needs none of it.
    return mypycify(
        ["--config-file=", "--ignore-missing-imports", *HOT_PATH], group_name="matching_hot"
    )


setup(ext_modules=_ext_modules())
