"""Map and Reduce: turn trade state changes into aggregate deltas, and deltas into one update.

MapLambda subtracts a trade's old value under its old leaf and adds the new value under the new
leaf, so a modified trade moves rather than adds; ReduceLambda sums the pre-aggregated deltas.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from leda_pipeline.domain.hierarchy import MESSAGE_COUNT_KEY, is_aggregate_key, roll_up
from leda_pipeline.domain.messages import MalformedMessage, TradeState

TIMESTAMP_FIRST_KEY = "timestamp_generator_first"
TIMESTAMP_MEAN_KEY = "timestamp_generator_mean"
TIMESTAMP_PREFIX = "timestamp_"


@dataclass(frozen=True, slots=True)
class StateChange:
    """One StateTable stream record: the images before and after the write."""

    old: TradeState | None
    new: TradeState | None


def map_changes(changes: Iterable[StateChange]) -> dict[str, Decimal]:
    """The delta one MapLambda batch contributes, rolled up the hierarchy.

    Records without a new image (REMOVE) are skipped, as in the workshop: deleting a trade's
    state is housekeeping, not a trade event.
    """
    leaf: dict[str, Decimal] = {}
    count = 0
    timestamps: list[Decimal] = []
    for change in changes:
        if change.new is None:
            continue
        new_key = change.new.hierarchy.leaf_key
        leaf[new_key] = leaf.get(new_key, Decimal(0)) + change.new.value
        if change.old is not None:
            old_key = change.old.hierarchy.leaf_key
            leaf[old_key] = leaf.get(old_key, Decimal(0)) - change.old.value
        count += 1
        timestamps.append(change.new.timestamp)
    if count == 0:
        return {}
    deltas = roll_up(leaf)
    deltas[MESSAGE_COUNT_KEY] = Decimal(count)
    deltas[TIMESTAMP_FIRST_KEY] = min(timestamps)
    deltas[TIMESTAMP_MEAN_KEY] = sum(timestamps, Decimal(0)) / len(timestamps)
    return deltas


def encode_deltas(deltas: Mapping[str, Decimal]) -> str:
    """ReduceTable's Message text. Numbers are written as decimal strings so Reduce sums exactly."""
    return json.dumps({key: str(value) for key, value in sorted(deltas.items())})


def decode_deltas(text: str) -> dict[str, Decimal]:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise MalformedMessage(f"Message is not JSON: {error}") from None
    if not isinstance(raw, dict):
        raise MalformedMessage("Message is not a JSON object")
    deltas: dict[str, Decimal] = {}
    for key, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise MalformedMessage(f"delta {key!r} is not a number: {value!r}")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise MalformedMessage(f"delta {key!r} is not a number: {value!r}") from None
        if not number.is_finite():
            raise MalformedMessage(f"delta {key!r} is not finite")
        if not (
            key.startswith(TIMESTAMP_PREFIX) or key == MESSAGE_COUNT_KEY or is_aggregate_key(key)
        ):
            raise MalformedMessage(f"unknown aggregate key {key!r}")
        deltas[key] = number
    return deltas


def reduce_deltas(batches: Iterable[Mapping[str, Decimal]]) -> dict[str, Decimal]:
    """Sum the Map deltas of one Reduce batch, leaving out the timestamp bookkeeping."""
    total: dict[str, Decimal] = {}
    for deltas in batches:
        for key, value in deltas.items():
            if key.startswith(TIMESTAMP_PREFIX):
                continue
            total[key] = total.get(key, Decimal(0)) + value
    return total
