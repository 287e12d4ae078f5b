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


# Each leaf key once: the referee keeps every trade it reads, and each then holds this string
# rather than a copy of its own.
LEAVES = {key: key for key in KEYS if depth(key) == 2}


class NotATrade(ValueError):
    """A stream record the referee cannot read as a trade (counted, never aggregated)."""


@dataclass(frozen=True, slots=True)
class Trade:
    trade_id: str
    version: int
    value: Decimal
    timestamp: Decimal  # when the generator composed its burst: the burst's identity
    leaf: str  # RiskType:TradeDesk:Region


def _number(raw: dict[str, object], field: str) -> Decimal:
    """A JSON number, finite (not a string, not a boolean, not NaN or Infinity)."""
    value = raw.get(field)
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise NotATrade(f"{field} is not a number: {value!r}")
    number = Decimal(value)
    if not number.is_finite():
        raise NotATrade(f"{field} is not finite: {value!r}")
    return number


def _reject(constant: str) -> None:
    raise NotATrade(f"{constant} is not a number a message may carry")


def read_trade(data: bytes) -> Trade:
    """A message as the workshop defines it, or NotATrade: an object with a non-empty string
    TradeID, finite numbers Value, Version (whole) and Timestamp, and a Hierarchy of exactly
    RiskType, TradeDesk and Region with their allowed values. What the pipeline dead-letters
    the referee does not count either."""
    try:
        raw = json.loads(
            data.decode("utf-8"), parse_float=Decimal, parse_int=Decimal, parse_constant=_reject
        )
    except (ValueError, UnicodeDecodeError, InvalidOperation) as error:
        raise NotATrade(str(error)) from None
    if not isinstance(raw, dict):
        raise NotATrade("not a JSON object")
    trade_id = raw.get("TradeID")
    if not isinstance(trade_id, str) or not trade_id.strip():
        raise NotATrade(f"TradeID is not a non-empty string: {trade_id!r}")
    value, version, timestamp = (_number(raw, f) for f in ("Value", "Version", "Timestamp"))
    if version != version.to_integral_value():
        raise NotATrade(f"Version is not whole: {version}")
    levels = raw.get("Hierarchy")
    if not isinstance(levels, dict) or set(levels) != {"RiskType", "TradeDesk", "Region"}:
        raise NotATrade(f"Hierarchy is not RiskType, TradeDesk and Region: {levels!r}")
    named = f"{levels['RiskType']}:{levels['TradeDesk']}:{levels['Region']}"
    leaf = LEAVES.get(named)
    if leaf is None:
        raise NotATrade(f"not a trade of the workshop's hierarchy: {named}")
    return Trade(trade_id, int(version), value, timestamp, leaf)


def latest_versions(trades: Iterable[Trade]) -> dict[str, Trade]:
    """Each trade at its highest version (an older version arriving later changes nothing)."""
    latest: dict[str, Trade] = {}
    for trade in trades:
        known = latest.get(trade.trade_id)
        if known is None or trade.version > known.version:
            latest[trade.trade_id] = trade
    return latest


def contribution_keys(leaf: str) -> tuple[str, str, str]:
    """The keys a trade of this RiskType:TradeDesk:Region counts under: its RiskType, its desk
    and its region."""
    risk, desk, _region = leaf.split(":")
    return risk, f"{risk}:{desk}", leaf


def expected_aggregates(trades: Iterable[Trade]) -> dict[str, Decimal]:
    """Every key's total over the latest version of every trade."""
    totals = dict.fromkeys(KEYS, Decimal(0))
    for trade in latest_versions(trades).values():
        for key in contribution_keys(trade.leaf):
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
