"""The parser pool: same entries, same order as inline, wherever each chunk was parsed."""

from __future__ import annotations

from pathlib import Path

from connectors.base import MailItem, Quarantined, SourceRef
from connectors.files._parsing import Job, Parser

DATA = Path(__file__).parent.parent / "data" / "mail"


def _batches() -> list[tuple[int, list[Job]]]:
    raws = [p.read_bytes() for p in sorted(DATA.glob("*.eml")) if p.stat().st_size]
    raws.append(b"\x01 not mail\r\n")
    jobs = [Job(SourceRef("t", "INBOX", str(i)), raw=raw) for i, raw in enumerate(raws * 6)]
    return [(n, jobs[i : i + 23]) for n, i in enumerate(range(0, len(jobs), 23))]


def _read(parser: Parser, *, parallel: bool) -> list[tuple[int, list[object]]]:
    return [(tag, list(entries)) for tag, entries in parser.run(_batches(), parallel=parallel)]


def test_pool_with_taken_back_chunks_equals_inline() -> None:
    inline = _read(Parser("full", workers=1), parallel=True)  # one worker: below the pool minimum
    pooled_parser = Parser(
        "full", workers=1, pool_min_workers=1, attachment_digests=False, keep_raw=False
    )
    pooled = _read(pooled_parser, parallel=True)
    stats = pooled_parser.stats
    total = sum(len(jobs) for _, jobs in _batches())
    assert stats.local_jobs + stats.pool_jobs == total and stats.pool_jobs > 0
    assert [tag for tag, _ in pooled] == [tag for tag, _ in inline]
    for (_, mine), (_, theirs) in zip(pooled, inline, strict=True):
        assert len(mine) == len(theirs)
        for a, b in zip(mine, theirs, strict=True):
            assert type(a) is type(b)
            if isinstance(a, MailItem):
                assert isinstance(b, MailItem)
                assert (a.dedupe_key, a.body_text, a.participants) == (
                    b.dedupe_key,
                    b.body_text,
                    b.participants,
                )
                assert a.raw is None and b.raw is not None  # keep_raw=False
                assert [x.sha256 for x in a.attachments] == [None] * len(a.attachments)
            else:
                assert isinstance(a, Quarantined) and isinstance(b, Quarantined)
                assert a.raw == b.raw  # quarantine keeps the bytes either way


def test_inline_parser_counts_local_jobs() -> None:
    parser = Parser("subject", workers=4)
    entries = [e for _, batch in parser.run(_batches(), parallel=False) for e in batch]
    assert parser.stats.local_jobs == len(entries) and parser.stats.pool_jobs == 0
