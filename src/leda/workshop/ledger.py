"""The referee's own arithmetic: what the aggregates must be, from the messages alone.

Written apart from the functions' domain code on purpose (it imports none of it): the referee
checks the pipeline and the generator's own check, so it must not share their code, or a bug
there would agree with itself. The facts it follows are the workshop's: a message's Hierarchy
names a RiskType, TradeDesk and Region; the aggregates are kept for `RiskType`,
`RiskType:TradeDesk` and `RiskType:TradeDesk:Region`; each trade counts with its highest
Version; a key matches within 1e-5.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import product

RISK_TYPES = ("PV", "Delta")
TRADE_DESKS = ("FXSpot", "FXOptions")
REGIONS = ("EMEA", "APAC", "AMER")
COUNT_KEY = "message_count"
TOLERANCE = Decimal("0.00001")

# Every aggregate key, parents before children: 2 + 4 + 12 = 18.
KEYS: tuple[str, ...] = (
    *RISK_TYPES,
    *(f"{r}:{d}" for r, d in product(RISK_TYPES, TRADE_DESKS)),
    *(f"{r}:{d}:{g}" for r, d, g in product(RISK_TYPES, TRADE_DESKS, REGIONS)),
)


def depth(key: str) -> int:
    """0 for a RiskType, 1 for a desk, 2 for a region: how far the frontend indents it."""
    return key.count(":")


class NotATrade(ValueError):
    """A stream record the referee cannot read as a trade (counted, never aggregated)."""


@dataclass(frozen=True, slots=True)
class Trade:
    trade_id: str
    version: int
    value: Decimal
    timestamp: Decimal  # when the generator composed its burst: the burst's identity
    leaf: str  # RiskType:TradeDesk:Region


def read_trade(data: bytes) -> Trade:
    try:
        raw = json.loads(data, parse_float=Decimal, parse_int=Decimal)
        levels = raw["Hierarchy"]
        leaf = f"{levels['RiskType']}:{levels['TradeDesk']}:{levels['Region']}"
        version = raw["Version"]
        trade = Trade(
            str(raw["TradeID"]),
            int(version),
            Decimal(raw["Value"]),
            Decimal(raw["Timestamp"]),
            leaf,
        )
    except (ValueError, TypeError, KeyError, InvalidOperation, UnicodeDecodeError) as error:
        raise NotATrade(str(error)) from None
    if leaf not in KEYS or version != int(version):
        raise NotATrade(f"not a trade of the workshop's hierarchy: {leaf}, version {version}")
    return trade


def latest_versions(trades: Iterable[Trade]) -> dict[str, Trade]:
    """Each trade at its highest version (an older version arriving later changes nothing)."""
    latest: dict[str, Trade] = {}
    for trade in trades:
        known = latest.get(trade.trade_id)
        if known is None or trade.version > known.version:
            latest[trade.trade_id] = trade
    return latest


def expected_aggregates(trades: Iterable[Trade]) -> dict[str, Decimal]:
    """Every key's total over the latest version of every trade."""
    totals = dict.fromkeys(KEYS, Decimal(0))
    for trade in latest_versions(trades).values():
        risk, desk, _region = trade.leaf.split(":")
        for key in (risk, f"{risk}:{desk}", trade.leaf):
            totals[key] += trade.value
    return totals


def mismatches(actual: dict[str, Decimal], expected: dict[str, Decimal]) -> dict[str, Decimal]:
    """Key -> actual minus expected, for every key off by more than the tolerance."""
    off: dict[str, Decimal] = {}
    for key in KEYS:
        delta = actual.get(key, Decimal(0)) - expected.get(key, Decimal(0))
        if abs(delta) > TOLERANCE:
            off[key] = delta
    return off
