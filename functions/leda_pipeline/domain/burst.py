"""What the generator sends in one burst, and the totals it then expects to see.

Pure: randomness comes from the caller's `random.Random`, time from the caller, so a seed
reproduces a burst exactly.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from leda_pipeline.domain.hierarchy import all_hierarchies, roll_up
from leda_pipeline.domain.messages import TradeMessage

MAX_VALUE_CENTS = 10_000_000  # values are uniform in [0, 100000] with two decimals
_HIERARCHIES = all_hierarchies()


class MessageKind(StrEnum):
    FRESH = "fresh"
    MODIFIED = "modified"  # an existing trade with a newer version
    OUT_OF_ORDER = "out_of_order"  # an existing trade with an older version, sent later
    DUPLICATE = "duplicate"  # an exact copy of a message of the same PutRecords call


@dataclass(frozen=True, slots=True)
class BurstSpec:
    calls: int = 250
    records_per_call: int = 40
    special_trades: bool = False
    duplicates_per_call: int = 5
    modification_rate: float = 0.03

    def __post_init__(self) -> None:
        if self.calls < 1:
            raise ValueError(f"calls must be at least 1, not {self.calls}")
        if not 1 <= self.records_per_call <= 500:
            raise ValueError(
                f"records_per_call must be 1-500 (PutRecords limit), not {self.records_per_call}"
            )
        if self.special_trades and not 0 <= self.duplicates_per_call < self.records_per_call:
            raise ValueError("duplicates_per_call must leave at least one fresh record per call")
        if not 0 <= self.modification_rate <= 1:
            raise ValueError("modification_rate is a probability: 0-1")

    @property
    def size(self) -> int:
        return self.calls * self.records_per_call


@dataclass(frozen=True, slots=True)
class OutgoingRecord:
    data: str
    partition_key: str
    kind: MessageKind
    message: TradeMessage


@dataclass(slots=True)
class Burst:
    calls: list[list[OutgoingRecord]]
    counts: dict[MessageKind, int] = field(default_factory=dict)

    @property
    def records(self) -> list[OutgoingRecord]:
        return [record for call in self.calls for record in call]

    def expected_totals(self) -> dict[str, Decimal]:
        return expected_totals(record.message for record in self.records)


def _record(message: TradeMessage, kind: MessageKind) -> OutgoingRecord:
    data = message.to_json()
    return OutgoingRecord(data, hashlib.sha256(data.encode()).hexdigest(), kind, message)


def _random_message(
    rng: random.Random, trade_id: str, version: int, timestamp: Decimal
) -> TradeMessage:
    value = Decimal(rng.randint(0, MAX_VALUE_CENTS)) / 100
    return TradeMessage(trade_id, value, version, timestamp, rng.choice(_HIERARCHIES))


def compose_burst(spec: BurstSpec, rng: random.Random, timestamp: Decimal) -> Burst:
    """One burst: `calls` PutRecords batches of `records_per_call` messages.

    With special trades (lab 2) every call holds fresh messages plus `duplicates_per_call`
    exact copies of random messages of the same call, and a share of fresh messages re-uses a
    TradeID already sent in this burst: the first such modification carries a newer version,
    every later one a version older than any sent for that trade (out-of-order delivery).
    """
    versions: dict[str, list[int]] = {}
    trade_ids: list[str] = []
    counts = dict.fromkeys(MessageKind, 0)
    modified_once = False
    calls: list[list[OutgoingRecord]] = []
    fresh_per_call = spec.records_per_call - (
        spec.duplicates_per_call if spec.special_trades else 0
    )
    for _ in range(spec.calls):
        call: list[OutgoingRecord] = []
        for _ in range(fresh_per_call):
            if spec.special_trades and trade_ids and rng.random() < spec.modification_rate:
                trade_id = rng.choice(trade_ids)
                seen = versions[trade_id]
                if modified_once:
                    kind, version = MessageKind.OUT_OF_ORDER, min(seen) - 1
                else:
                    kind, version = MessageKind.MODIFIED, max(seen) + 1
                    modified_once = True
            else:
                trade_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                kind, version = MessageKind.FRESH, 1
                trade_ids.append(trade_id)
                versions[trade_id] = []
            versions[trade_id].append(version)
            call.append(_record(_random_message(rng, trade_id, version, timestamp), kind))
        if spec.special_trades:
            originals = list(call)
            for _ in range(spec.duplicates_per_call):
                original = rng.choice(originals)
                call.append(
                    OutgoingRecord(
                        original.data,
                        original.partition_key,
                        MessageKind.DUPLICATE,
                        original.message,
                    )
                )
        for record in call:
            counts[record.kind] += 1
        calls.append(call)
    return Burst(calls, counts)


def expected_totals(messages: Iterable[TradeMessage]) -> dict[str, Decimal]:
    """Aggregates of the latest (highest) version of every trade, rolled up the hierarchy."""
    latest: dict[str, TradeMessage] = {}
    for message in messages:
        current = latest.get(message.trade_id)
        if current is None or message.version > current.version:
            latest[message.trade_id] = message
    leaves: dict[str, Decimal] = {}
    for message in latest.values():
        key = message.hierarchy.leaf_key
        leaves[key] = leaves.get(key, Decimal(0)) + message.value
    return roll_up(leaves)
