"""The read-ahead thread between a connector's generator and the store."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from syncd.errors import AuthError, SyncdError
from syncd.prefetch import Prefetcher

WAIT = 10.0  # only bounds a hang; no test depends on how fast anything runs


@dataclass
class Source:
    """A generator that records what it did and on which thread."""

    n: int
    fail_at: int | None = None
    error: BaseException = field(default_factory=lambda: ValueError("broken"))
    yielded: int = 0
    closed: bool = False
    exhausted: bool = False
    threads: set[int] = field(default_factory=set)
    started: list[threading.Event] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.started = [threading.Event() for _ in range(self.n + 1)]

    def __call__(self) -> Iterator[int]:
        try:
            for i in range(self.n):
                self.threads.add(threading.get_ident())
                self.started[i].set()
                if i == self.fail_at:
                    raise self.error
                self.yielded += 1
                yield i
            self.exhausted = True
        finally:
            self.threads.add(threading.get_ident())
            self.closed = True


def test_yields_every_item_in_order_on_one_other_thread() -> None:
    src = Source(25)
    with Prefetcher(src) as items:
        assert list(items) == list(range(25))
    assert src.exhausted and src.closed
    assert len(src.threads) == 1
    assert threading.get_ident() not in src.threads


@pytest.mark.parametrize(
    "error", [AuthError("refused"), SyncdError("folder vanished"), RuntimeError("bug")]
)
def test_producer_error_reaches_the_consumer_as_is_after_earlier_items(
    error: BaseException,
) -> None:
    src = Source(10, fail_at=3, error=error)
    got: list[int] = []
    with pytest.raises(type(error)) as caught, Prefetcher(src) as items:
        for i in items:
            got.append(i)
    assert caught.value is error
    assert got == [0, 1, 2]
    assert src.closed


def test_error_from_creating_the_iterator_is_raised_too() -> None:
    def make() -> Iterator[int]:
        raise AuthError("bad password")

    with pytest.raises(AuthError, match="bad password"), Prefetcher(make) as items:
        next(items)


def test_next_item_is_read_while_the_consumer_works_on_the_current_one() -> None:
    src = Source(3)
    with Prefetcher(src) as items:
        assert next(items) == 0
        # Still "storing" item 0: the producer has already started on item 1.
        assert src.started[1].wait(WAIT)
        assert list(items) == [1, 2]


@pytest.mark.parametrize("depth", [1, 2])
def test_read_ahead_is_bounded_by_depth(depth: int) -> None:
    src = Source(30)
    seen_ahead = []
    with Prefetcher(src, depth=depth) as items:
        for i in items:
            # let the producer fill the queue as far as it may
            src.started[min(i + depth + 1, src.n)].wait(0.05)
            seen_ahead.append(src.yielded - (i + 1))
    # one batch in the queue per depth, plus one held by a producer blocked on put
    assert max(seen_ahead) <= depth + 1
    assert src.exhausted


def test_consumer_stopping_early_closes_the_generator_on_its_thread() -> None:
    src = Source(1000)
    prefetch = Prefetcher(src)
    with pytest.raises(KeyError), prefetch as items:
        for i in items:
            if i == 2:
                raise KeyError("lease lost")
    assert src.closed and not src.exhausted
    assert src.yielded <= 5
    assert not prefetch._thread.is_alive()
    assert len(src.threads) == 1 and threading.get_ident() not in src.threads


def test_break_then_close_joins_a_producer_blocked_on_a_full_queue() -> None:
    src = Source(1000)
    prefetch = Prefetcher(src, depth=1)
    with prefetch as items:
        assert next(items) == 0
        assert src.started[2].wait(WAIT)  # queue full, producer waiting to put
    assert not prefetch._thread.is_alive()
    assert src.closed
    assert list(prefetch) == []  # closed: nothing more comes out


def test_producer_error_after_the_consumer_left_is_dropped_quietly() -> None:
    src = Source(5, fail_at=1)
    prefetch = Prefetcher(src)
    with pytest.raises(KeyError), prefetch as items:
        next(items)
        raise KeyError("consumer failed first")
    assert not prefetch._thread.is_alive()
    assert src.closed
