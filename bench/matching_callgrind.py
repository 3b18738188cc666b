"""Instruction counts of the matching hot path: passes 2-3 of the uniform cold stream.

Wall and CPU time are noisy on a shared machine; callgrind's instruction
counts are not. Run under callgrind with instrumentation off at start: the
index build and pass 1 (which fills the domain memos) run uninstrumented,
then this script switches instrumentation on for passes 2-3 only, through
``callgrind_control``, so the profile's total is their cost alone.

    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=cg.out \\
        .venv/bin/python bench/matching_callgrind.py [--contacts N] [--messages N]
    callgrind_annotate cg.out | head -40

Instructions per cold address = total Ir / the address count printed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
# Run as a script, bench/ is sys.path[0] and bench/matching.py would shadow the
# ``matching`` package: put the project root first and drop bench/.
sys.path[:] = [str(_ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != _ROOT / "bench"]

from bench.matching_index import _companies, _contacts, _domains, _messages  # noqa: E402
from matching import CrmIndex, MatchPolicy, match_participants  # noqa: E402


def _instrument(on: bool) -> None:
    subprocess.run(
        ["callgrind_control", "-i", "on" if on else "off", str(os.getpid())],
        check=False,
        capture_output=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--contacts", type=int, default=1_000_000)
    ap.add_argument("--companies", type=int, default=200_000)
    ap.add_argument("--messages", type=int, default=25_000)
    args = ap.parse_args()
    policy = MatchPolicy(auto_create="contacts_and_companies")
    domains = _domains(args.companies, 1)
    index = CrmIndex.build(
        companies=_companies(domains),
        contacts=_contacts(args.contacts, domains, 2),
        internal_domains=["ourco.sk"],
        policy=policy,
    )
    messages, _ = _messages(args.messages, index, domains, 3)
    links = 0
    for parts in messages:  # pass 1: domain facts become warm
        links += len(match_participants(parts, index, policy).links)
    _instrument(True)
    for _ in range(2):
        for parts in messages:
            links += len(match_participants(parts, index, policy).links)
    _instrument(False)
    n_addr = 2 * sum(len(m) for m in messages)
    print(f"addresses measured (passes 2-3): {n_addr:,}; links over 3 passes: {links:,}")


if __name__ == "__main__":
    main()
