"""What lives as long as the container: built on first use, kept for every invocation after.

Lambda reuses a container for many invocations, so clients and the resources built on them are
made once. Everything made this way is registered, so a test that changes the environment
between cases forgets all of it with one `reset()`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_CLEARS: list[Callable[[], None]] = []


def once(factory: Callable[P, T]) -> Callable[P, T]:
    """`factory`'s result per distinct arguments, made on the first call (arguments hashable)."""
    cached = cache(factory)
    _CLEARS.append(cached.cache_clear)
    return cached  # type: ignore[return-value]


def reset() -> None:
    """Forget everything built with `once` (tests that change the environment between cases)."""
    for clear in _CLEARS:
        clear()
