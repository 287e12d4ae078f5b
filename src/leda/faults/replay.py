"""A trigger's delivery of a batch again, soon or after DynamoDB has forgotten its token.

Lambda delivers stream records at least once; a batch can come again after it succeeded (a
checkpoint lost), even long after (a shard held up behind a failing batch). `Replay` wraps the
function a mapping invokes: after a batch succeeds, a share of batches is delivered once more,
until that delivery succeeds too, as a trigger retries a failing batch. A late one is marked,
and the worker's hooks remove the ClientRequestToken from its transaction
(leda.faults.hooks): past 10 minutes DynamoDB no longer knows the token.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Mapping
from typing import Any

from leda.workers.spec import InvocationResult

LATE = {"late": True}
MAX_ATTEMPTS = 20

InvokeWithFlags = Callable[[dict[str, Any], Mapping[str, Any] | None], InvocationResult]


class Replay:
    """`first` delivers a batch as the trigger does (perhaps through another Replay); `again`
    delivers it once more, with the runtime's flags for the worker."""

    def __init__(
        self,
        first: Callable[[dict[str, Any]], InvocationResult],
        again: InvokeWithFlags,
        share: float,
        rng: random.Random,
        *,
        late: bool,
    ) -> None:
        self._first = first
        self._again = again
        self._share = share
        self._rng = rng
        self._flags = LATE if late else None
        self.late = late
        self._lock = threading.Lock()
        self.replayed = 0  # batches delivered again
        self.deliveries = 0  # invocations of batches delivered again, retries included

    def __call__(self, event: dict[str, Any]) -> InvocationResult:
        result = self._first(event)
        with self._lock:
            again = result.ok and self._rng.random() < self._share
            if again:
                self.replayed += 1
        if again:
            for _ in range(MAX_ATTEMPTS):
                with self._lock:
                    self.deliveries += 1
                if self._again(event, self._flags).ok:
                    break
        return result
