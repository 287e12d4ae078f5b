"""Waiting in tests for something another process or thread does: one poll loop for all."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(
    what: Callable[[], T | None],
    timeout: float = 10.0,
    describe: str = "the condition",
    every: float = 0.05,
) -> T:
    """Poll `what` every `every` seconds until it answers something truthy, and return that;
    fail, saying what never happened, after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        answer = what()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"after {timeout:.0f} s, still waiting for {describe}")
        time.sleep(every)
