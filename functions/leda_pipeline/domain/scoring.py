"""The game: did a burst aggregate correctly, and what does the score do next."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from leda_pipeline.domain.hierarchy import AGGREGATE_KEYS

TOLERANCE = Decimal("0.00001")
POINTS_PER_BURST = 100
LAB2_SCORE = 300

SCORE = "SCORE"
SPECIAL_TRADES = "SPECIAL_TRADES"
FAILURE_STATE = "FAILURE_STATE_LAMBDA_PCT"
FAILURE_MAP = "FAILURE_MAP_LAMBDA_PCT"
FAILURE_REDUCE = "FAILURE_REDUCE_LAMBDA_PCT"

# The settings the workshop switches on for lab 2.
LAB2_PARAMETERS: dict[str, int] = {
    SPECIAL_TRADES: 1,
    FAILURE_STATE: 5,
    FAILURE_MAP: 10,
    FAILURE_REDUCE: 10,
}


@dataclass(frozen=True, slots=True)
class KeyMismatch:
    key: str
    expected: Decimal
    actual: Decimal


def compare(
    expected: Mapping[str, Decimal],
    before: Mapping[str, Decimal],
    after: Mapping[str, Decimal],
    tolerance: Decimal = TOLERANCE,
) -> list[KeyMismatch]:
    """Every aggregate key whose change over the burst differs from what was sent.

    All 18 keys are checked, not only those the burst touched, so a value that appears where
    nothing was sent counts as a mismatch too.
    """
    mismatches = []
    for key in AGGREGATE_KEYS:
        want = expected.get(key, Decimal(0))
        got = after.get(key, Decimal(0)) - before.get(key, Decimal(0))
        if abs(want - got) > tolerance:
            mismatches.append(KeyMismatch(key, want, got))
    return mismatches


@dataclass(frozen=True, slots=True)
class GameUpdate:
    points: int
    enter_lab2: bool


def next_move(score: Decimal, special_trades: bool, burst_correct: bool) -> GameUpdate:
    """+100 for a correct burst; reaching 300 switches the game to lab 2 (once)."""
    points = POINTS_PER_BURST if burst_correct else 0
    enter_lab2 = not special_trades and score + points >= LAB2_SCORE
    return GameUpdate(points, enter_lab2)
