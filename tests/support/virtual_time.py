"""Virtual time for a shard poller: its clock, and a stop event whose waits pass no real time.

ShardPoller reads the time through `clock` and sleeps only in `stop.wait(...)` (poll interval,
retry backoff). Giving it a VirtualClock and a VirtualStop makes batching windows, backoff and
record ages deterministic, and a test of a 60-second rule runs in milliseconds, in the test's own
thread. Things that happen "meanwhile" (records arriving) are scheduled on the clock.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

# 2026-01-01T00:00:00Z: any fixed instant, far from 0 so ages are never negative.
EPOCH = 1_767_225_600.0


@dataclass
class VirtualClock:
    """Seconds since the epoch, moved only by `advance`; actions run when their time comes."""

    now: float = EPOCH
    _due: list[tuple[float, int, Callable[[], object]]] = field(default_factory=list, repr=False)
    _order: itertools.count[int] = field(default_factory=itertools.count, repr=False)

    def __call__(self) -> float:
        return self.now

    def at(self, when: float, action: Callable[[], object]) -> None:
        """Run `action` once the clock reaches `when` (an absolute time)."""
        heapq.heappush(self._due, (when, next(self._order), action))

    def after(self, delay: float, action: Callable[[], object]) -> None:
        self.at(self.now + delay, action)

    def advance(self, seconds: float) -> None:
        target = self.now + max(seconds, 0.0)
        while self._due and self._due[0][0] <= target:
            when, _, action = heapq.heappop(self._due)
            self.now = max(self.now, when)
            action()
        self.now = target


class BudgetExhausted(AssertionError):
    pass


class VirtualStop(threading.Event):
    """The poller's stop event. Each wait advances the virtual clock instead of sleeping, then
    stops the poller once `until()` holds, or once `budget` virtual seconds have passed (so a
    poller that never gets there ends the test instead of hanging it)."""

    def __init__(
        self,
        clock: VirtualClock,
        until: Callable[[], bool] = lambda: False,
        budget: float = 3_600.0,
    ) -> None:
        super().__init__()
        self._clock = clock
        self._until = until
        self._deadline = clock.now + budget
        self.exhausted = False
        self.waits = 0

    def wait(self, timeout: float | None = None) -> bool:
        if not self.is_set():
            self.waits += 1
            self._clock.advance(timeout or 0.0)
            if self._until():
                self.set()
            elif self._clock.now >= self._deadline:
                self.exhausted = True
                self.set()
        return self.is_set()
