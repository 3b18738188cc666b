"""Fast construction of frozen slotted dataclasses for the matching hot path.

On CPython 3.11 a frozen dataclass's ``__init__`` sets each field through
``object.__setattr__`` and costs ~1.7 µs for seven fields, about nine times a
plain slotted class; the engine creates several per message. A *draft* is a
mutable class with the identical slot layout: fill one in, then re-tag it as
the frozen class, which CPython allows for layout-compatible classes. The
result *is* an instance of the frozen class (equality, hash, repr,
immutability). ``fast_new`` builds one through a dataclass ``__init__``; the
compiled hot path (:mod:`matching.participants`) fills a ``draft_class``
instance attribute by attribute, with no Python frame at all. Where
re-tagging is not allowed, both fall back to the class itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def draft_class(cls: type[Any]) -> type[Any] | None:
    """A mutable twin of frozen slotted dataclass ``cls`` (no ``__init__``), or None.

    None when an instance of the twin cannot be re-tagged as ``cls``.
    """
    names = tuple(f.name for f in dataclasses.fields(cls))
    twin = type(f"_{cls.__name__}Slots", (), {"__slots__": names})
    try:
        probe = twin()
        for name in names:
            setattr(probe, name, f"{name}-probe")
        probe.__class__ = cls
        if probe != cls(*(f"{name}-probe" for name in names)):  # pragma: no cover - drift
            return None
    except TypeError:  # pragma: no cover - not CPython or incompatible layout
        return None
    return twin


def fast_new(cls: type[T]) -> Callable[..., T]:
    """A positional-argument constructor for frozen slotted dataclass ``cls``."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    twin: Any = dataclasses.make_dataclass(
        f"_{cls.__name__}Draft",
        [
            (f.name, Any, dataclasses.field(default=f.default))
            if f.default is not dataclasses.MISSING
            else (f.name, Any)
            for f in fields
        ],
        slots=True,
        eq=False,
        repr=False,
    )

    def make(*args: Any) -> T:
        obj = twin(*args)
        obj.__class__ = cls
        return obj

    try:
        sample = tuple(f"{f.name}-probe" for f in fields)
        if make(*sample) != cls(*sample):  # pragma: no cover - layout drift
            return cls
    except TypeError:  # pragma: no cover - not CPython or incompatible layout
        return cls
    return make
