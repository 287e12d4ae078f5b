"""The workshop's random function failures, as decisions on draws the caller supplies."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal


class InjectedFailure(RuntimeError):
    """Raised on purpose so the trigger retries the batch: the lab-2 fault."""


def first_failing_record(
    failure_pct: Decimal, batch_length: int, draw: Callable[[], float]
) -> int | None:
    """Index of the record at which StateLambda fails, or None.

    Each record fails with probability failure_pct / batch_length percent, so a batch fails
    with about failure_pct percent whatever its size, as in the workshop.
    """
    if failure_pct <= 0 or batch_length == 0:
        return None
    threshold = float(failure_pct) / batch_length
    for index in range(batch_length):
        if draw() * 100 < threshold:
            return index
    return None


def batch_fails(failure_pct: Decimal, draw: Callable[[], float]) -> bool:
    """Map and Reduce fail a whole invocation with probability failure_pct percent."""
    return failure_pct > 0 and draw() * 100 < float(failure_pct)
