"""Benchmark matching at CRM scale: index build time, memory, addresses matched per second.

Builds a synthetic CRM (default 1,000,000 contacts, 200,000 companies) with
realistic-ish CEE company domains and a fifth of contacts on free-mail, then
matches messages of four participants (an internal user plus a mix of known
contacts, unknown people at known companies, free-mail strangers and unknown
domains). Two workloads:

* uniform stream: every participant drawn afresh from the whole CRM, so the
  per-address memo almost never hits (a first sync of a huge shared mailbox
  is the closest real case);
* working set: 5,000 distinct messages replayed, as a mailbox's steady
  traffic repeats its correspondents.

Throughput is counted in CPU time (``time.process_time``) as well as wall
time, since the machine may be shared. Targets: >= 200,000 addresses/s on
one core, index <= 1 GB RSS.

    python bench/matching_index.py [--contacts N] [--companies N] [--messages N]
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import time
from collections.abc import Iterator
from dataclasses import dataclass

from matching import CrmIndex, MatchPolicy, match_participants

_A = [
    "stav",
    "agro",
    "trans",
    "metal",
    "soft",
    "data",
    "plast",
    "elektro",
    "auto",
    "bau",
    "med",
    "eko",
    "nova",
    "prima",
    "euro",
    "inter",
    "alfa",
    "omega",
    "tatra",
    "vltava",
    "morava",
    "karpat",
    "wisla",
    "dnipro",
    "volga",
    "slav",
    "sever",
    "jug",
    "zapad",
    "vychod",
    "tech",
    "tex",
    "chem",
    "farm",
    "drev",
    "kov",
    "sklo",
    "papier",
    "print",
    "log",
    "cargo",
    "rail",
    "air",
    "net",
    "web",
    "tel",
    "info",
    "sys",
    "kom",
    "lab",
    "bio",
]
_B = [
    "servis",
    "trade",
    "group",
    "holding",
    "invest",
    "systems",
    "partner",
    "consult",
    "stroj",
    "montaz",
    "projekt",
    "real",
    "centrum",
    "market",
    "logistik",
    "energo",
    "tour",
    "food",
    "mont",
    "plus",
    "pro",
    "line",
    "star",
    "form",
    "dom",
    "bud",
]
_TLDS = ("sk",) * 5 + ("cz",) * 5 + ("pl",) * 4 + ("com",) * 3 + (
    "ua", "ru", "de", "at", "hu", "eu", "co.uk", "com.pl", "com.ua",
)  # fmt: skip
_FIRST = [
    "jana",
    "petr",
    "anna",
    "jan",
    "eva",
    "pavel",
    "marta",
    "tomas",
    "lucia",
    "michal",
    "katarina",
    "martin",
    "zuzana",
    "peter",
    "olga",
    "ivan",
    "olena",
    "andrii",
    "natalia",
    "dmitry",
    "anastasia",
    "pawel",
    "agnieszka",
    "piotr",
    "katarzyna",
    "marek",
]
_LAST = [
    "novak",
    "svoboda",
    "kovac",
    "horvath",
    "varga",
    "nowak",
    "kowalski",
    "wisniewski",
    "wojcik",
    "shevchenko",
    "bondarenko",
    "ivanov",
    "petrov",
    "smirnov",
    "kral",
    "dvorak",
    "cerny",
    "prochazka",
    "lewandowski",
    "zielinski",
    "tkachenko",
    "kozak",
]
_FREE = ("gmail.com", "seznam.cz", "azet.sk", "wp.pl", "mail.ru", "ukr.net", "centrum.sk")


@dataclass(frozen=True, slots=True)
class _P:
    address: str
    name: str | None
    role: str


def _domains(n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        base = rnd.choice(_A) + rnd.choice(("", "-")) + rnd.choice(_B)
        d = f"{base}.{rnd.choice(_TLDS)}"
        if d in seen:
            d = f"{base}{len(out) % 1000}.{rnd.choice(_TLDS)}"
            if d in seen:
                d = f"{base}-{len(out)}.{rnd.choice(_TLDS)}"
        seen.add(d)
        out.append(d)
    return out


def _companies(domains: list[str]) -> Iterator[tuple[int, list[str]]]:
    for cid, d in enumerate(domains):
        extra = [f"eu.{d}"] if cid % 10 == 0 else []  # some own a subdomain too
        yield cid, [d, *extra]


def _contacts(n: int, domains: list[str], seed: int) -> Iterator[tuple[int, int | None, list[str]]]:
    rnd = random.Random(seed)
    nd = len(domains)
    for cid in range(n):
        first, last = rnd.choice(_FIRST), rnd.choice(_LAST)
        if cid % 5 == 0:  # a free-mail contact, sometimes still at a company
            company = rnd.randrange(nd) if cid % 2 else None
            emails = [f"{first}.{last}{cid}@{rnd.choice(_FREE)}"]
        else:
            company = rnd.randrange(nd)
            emails = [f"{first}.{last}{cid % 97}@{domains[company]}"]
            if cid % 7 == 0:
                emails.append(f"{first[0]}{last}{cid % 97}@{domains[company]}")
        yield cid, company, emails


def _rss_kb() -> tuple[int, int]:
    """(VmRSS, VmHWM) in kB from /proc/self/status."""
    rss = hwm = 0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    return rss, hwm


def _messages(
    count: int, index: CrmIndex, domains: list[str], seed: int
) -> tuple[list[list[_P]], dict[str, int]]:
    rnd = random.Random(seed)
    known = list(index.contact_by_address)
    unknown_domains = [f"{d.split('.')[0]}x.{d.rsplit('.', 1)[1]}" for d in domains[:20000]]
    mix = {"contact": 0, "domain": 0, "freemail": 0, "unknown": 0, "internal": 0}
    out = []
    for i in range(count):
        parts = [_P(f"{rnd.choice(_FIRST)}@ourco.sk", "Colleague", "to")]
        mix["internal"] += 1
        for _ in range(3):
            r = rnd.random()
            if r < 0.40:
                a, kind = rnd.choice(known), "contact"
            elif r < 0.65:
                a, kind = f"{rnd.choice(_FIRST)}.x{i % 50}@{rnd.choice(domains)}", "domain"
            elif r < 0.85:
                a, kind = f"{rnd.choice(_LAST)}{i}@{rnd.choice(_FREE)}", "freemail"
            else:
                a, kind = f"{rnd.choice(_FIRST)}@{rnd.choice(unknown_domains)}", "unknown"
            mix[kind] += 1
            parts.append(_P(a.upper() if i % 11 == 0 else a, None, "cc"))
        sender = 0 if i % 2 else 1  # half outbound, half inbound
        parts[sender] = _P(parts[sender].address, parts[sender].name, "from")
        out.append(parts)
    return out, mix


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--contacts", type=int, default=1_000_000)
    ap.add_argument("--companies", type=int, default=200_000)
    ap.add_argument("--messages", type=int, default=100_000)
    args = ap.parse_args()
    policy = MatchPolicy(auto_create="contacts_and_companies")
    rows: list[tuple[str, str]] = []

    rss0, _ = _rss_kb()
    t = time.perf_counter()
    domains = _domains(args.companies, 1)
    for _ in _contacts(args.contacts, domains, 2):  # cost of generating the input alone
        pass
    gen = time.perf_counter() - t

    gc.collect()
    t = time.perf_counter()
    index = CrmIndex.build(
        companies=_companies(domains),
        contacts=_contacts(args.contacts, domains, 2),
        internal_domains=["ourco.sk"],
        policy=policy,
    )
    build = time.perf_counter() - t
    gc.collect()
    rss1, hwm1 = _rss_kb()
    rows += [
        ("contacts / companies", f"{args.contacts:,} / {args.companies:,}"),
        ("policy", f"auto_create={policy.auto_create} (the most work per address)"),
        ("indexed addresses / domains", f"{len(index.contact_by_address):,} / "
         f"{len(index.company_by_domain):,}"),
        ("input generation (s)", f"{gen:.2f}"),
        ("index build incl. generation (s)", f"{build:.2f}"),
        ("index build excl. generation (s)", f"{max(build - gen, 0):.2f}"),
        ("RSS before build (MB)", f"{rss0 / 1024:.0f}"),
        ("RSS after build, current (MB)", f"{rss1 / 1024:.0f}"),
        ("RSS growth from index (MB)", f"{(rss1 - rss0) / 1024:.0f}"),
    ]  # fmt: skip

    messages, mix = _messages(args.messages, index, domains, 3)
    n_addr = sum(len(m) for m in messages)
    linked = 0
    for label in (
        "uniform stream, pass 1 (cold)",
        "uniform stream, pass 2",
        "uniform stream, pass 3",
    ):
        wall, cpu = time.perf_counter(), time.process_time()
        linked = 0
        for parts in messages:
            linked += len(match_participants(parts, index, policy).links)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rows.append(
            (
                f"match {label}: addresses/s (CPU / wall)",
                f"{n_addr / cpu:,.0f} / {n_addr / wall:,.0f}",
            )
        )
    rows.append(
        (
            "addresses per uniform pass",
            f"{n_addr:,} (" + ", ".join(f"{k} {v:,}" for k, v in mix.items()) + ")",
        )
    )
    rows.append(("links per uniform pass", f"{linked:,}"))

    # A mailbox's real traffic: the same few thousand correspondents again and again.
    rnd = random.Random(4)
    hot = rnd.sample(messages, min(5000, len(messages)))
    stream = [rnd.choice(hot) for _ in range(len(messages))]
    wall, cpu = time.perf_counter(), time.process_time()
    for parts in stream:
        match_participants(parts, index, policy)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rows.append(
        (
            "match working set (5,000 messages replayed): addresses/s (CPU / wall)",
            f"{n_addr / cpu:,.0f} / {n_addr / wall:,.0f}",
        )
    )
    rss2, hwm2 = _rss_kb()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rows += [
        ("RSS at end, current (MB)", f"{rss2 / 1024:.0f}"),
        ("RSS peak, VmHWM (MB)", f"{hwm2 / 1024:.0f}"),
        ("RSS peak, getrusage ru_maxrss (MB)", f"{peak / 1024:.0f}"),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"| {'measure':<{width}} | value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for k, v in rows:
        print(f"| {k:<{width}} | {v} |")


if __name__ == "__main__":
    main()
