"""The risk hierarchy and the keys that aggregate along it.

Aggregation runs RiskType -> TradeDesk -> Region; a leaf key names all three levels and every
prefix of it is an aggregate of its children (2 + 4 + 12 = 18 keys).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import product

KEY_SEPARATOR = ":"

# Level name -> allowed values, in aggregation order.
LEVELS: dict[str, tuple[str, ...]] = {
    "RiskType": ("PV", "Delta"),
    "TradeDesk": ("FXSpot", "FXOptions"),
    "Region": ("EMEA", "APAC", "AMER"),
}

MESSAGE_COUNT_KEY = "message_count"


@dataclass(frozen=True, slots=True)
class Hierarchy:
    risk_type: str
    trade_desk: str
    region: str

    @classmethod
    def from_mapping(cls, raw: object) -> Hierarchy:
        """Validate a message's Hierarchy object; ValueError names what is wrong."""
        if not isinstance(raw, Mapping):
            raise ValueError("Hierarchy is not an object")
        unknown = sorted(set(raw) - set(LEVELS))
        if unknown:
            raise ValueError(f"unknown hierarchy level(s) {unknown}; allowed: {list(LEVELS)}")
        values: list[str] = []
        for level, allowed in LEVELS.items():
            if level not in raw:
                raise ValueError(f"Hierarchy lacks {level}")
            value = raw[level]
            if value not in allowed:
                raise ValueError(f"Hierarchy {level}={value!r} is not one of {list(allowed)}")
            values.append(value)
        return cls(*values)

    def as_dict(self) -> dict[str, str]:
        return {"RiskType": self.risk_type, "TradeDesk": self.trade_desk, "Region": self.region}

    @property
    def leaf_key(self) -> str:
        return KEY_SEPARATOR.join((self.risk_type, self.trade_desk, self.region))


def all_hierarchies() -> list[Hierarchy]:
    return [Hierarchy(*combo) for combo in product(*LEVELS.values())]


def key_prefixes(leaf_key: str) -> list[str]:
    """Every aggregate a leaf contributes to, itself included: A, A:B, A:B:C."""
    parts = leaf_key.split(KEY_SEPARATOR)
    return [KEY_SEPARATOR.join(parts[: depth + 1]) for depth in range(len(parts))]


def _all_keys() -> tuple[str, ...]:
    keys: dict[str, None] = {}
    for hierarchy in all_hierarchies():
        for key in key_prefixes(hierarchy.leaf_key):
            keys[key] = None
    return tuple(sorted(keys, key=lambda k: (k.count(KEY_SEPARATOR), k)))


AGGREGATE_KEYS: tuple[str, ...] = _all_keys()
LEAF_KEYS: frozenset[str] = frozenset(h.leaf_key for h in all_hierarchies())
_AGGREGATE_KEY_SET = frozenset(AGGREGATE_KEYS)


def is_aggregate_key(key: str) -> bool:
    return key in _AGGREGATE_KEY_SET


def depth(key: str) -> int:
    """0 for a RiskType, 2 for a leaf: the frontend indents by it."""
    return key.count(KEY_SEPARATOR)


def roll_up(leaf_deltas: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Sum leaf deltas into every ancestor; keys with no contribution are left out."""
    totals: dict[str, Decimal] = {}
    for leaf, delta in leaf_deltas.items():
        if leaf not in LEAF_KEYS:
            raise ValueError(f"{leaf!r} is not a leaf key")
        for key in key_prefixes(leaf):
            totals[key] = totals.get(key, Decimal(0)) + delta
    return totals


def add_into(target: dict[str, Decimal], deltas: Iterable[tuple[str, Decimal]]) -> None:
    for key, delta in deltas:
        target[key] = target.get(key, Decimal(0)) + delta
