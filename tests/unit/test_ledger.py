"""The referee's own reading of messages: what the workshop calls a trade, nothing else."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from leda.workshop.ledger import KEYS, NotATrade, expected_aggregates, read_trade

GOOD = {
    "TradeID": "t-1",
    "Value": 12.5,
    "Version": 2,
    "Timestamp": 1700000000.5,
    "Hierarchy": {"RiskType": "PV", "TradeDesk": "FXSpot", "Region": "EMEA"},
}


def _data(**changes: object) -> bytes:
    return json.dumps({**GOOD, **changes}).encode()


def test_a_workshop_message_is_a_trade():
    trade = read_trade(_data())
    assert (trade.trade_id, trade.version, trade.value, trade.leaf) == (
        "t-1",
        2,
        Decimal("12.5"),
        "PV:FXSpot:EMEA",
    )


@pytest.mark.parametrize(
    "data",
    [
        _data(Value="12.5"),
        _data(Value=True),
        _data(Version=2.5),
        _data(Version=None),
        _data(TradeID=7),
        _data(TradeID=" "),
        _data(Hierarchy={**GOOD["Hierarchy"], "Book": "x"}),  # type: ignore[dict-item]
        _data(Hierarchy={"RiskType": "PV", "TradeDesk": "FXSpot", "Region": "MARS"}),
        b'{"TradeID": "t", "Value": NaN, "Version": 1, "Timestamp": 1, "Hierarchy": {}}',
        b'{"TradeID": "t", "Value": Infinity, "Version": 1, "Timestamp": 1, "Hierarchy": {}}',
        b"[1, 2]",
        b"\xff",
    ],
)
def test_what_the_pipeline_dead_letters_is_not_a_trade(data):
    with pytest.raises(NotATrade):
        read_trade(data)


def test_latest_version_of_each_trade_rolls_up_the_hierarchy():
    older = read_trade(_data(Version=1, Value=100))
    newer = read_trade(_data(Version=3, Value=7))
    other = read_trade(
        _data(
            TradeID="t-2",
            Value=1,
            Hierarchy={"RiskType": "PV", "TradeDesk": "FXOptions", "Region": "APAC"},
        )
    )
    totals = expected_aggregates([newer, older, other])  # order of arrival does not matter
    assert len(KEYS) == 18 and set(totals) == set(KEYS)
    assert totals["PV:FXSpot:EMEA"] == Decimal(7)
    assert totals["PV:FXSpot"] == Decimal(7)
    assert totals["PV:FXOptions:APAC"] == Decimal(1)
    assert totals["PV"] == Decimal(8)
    assert totals["Delta"] == Decimal(0)
