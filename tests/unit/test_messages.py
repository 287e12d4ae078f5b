import base64
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from leda_pipeline.domain.hierarchy import Hierarchy, all_hierarchies
from leda_pipeline.domain.messages import (
    MalformedMessage,
    TradeMessage,
    TradeState,
    decode_base64,
    parse_message,
)

HIERARCHY = {"RiskType": "Delta", "Region": "AMER", "TradeDesk": "FXSpot"}
GOOD: dict[str, object] = {
    "TradeID": "0d957268-aaaa",
    "Value": 34624.51,
    "Version": 3,
    "Timestamp": 1616413258.89,
    "Hierarchy": HIERARCHY,
}


def test_parses_the_workshop_message_exactly():
    message = parse_message(json.dumps(GOOD).encode())
    assert message.trade_id == "0d957268-aaaa"
    assert message.value == Decimal("34624.51")  # exact, not a binary float
    assert message.version == 3
    assert message.hierarchy.leaf_key == "Delta:FXSpot:AMER"


def _with(**changes):
    body = {**GOOD, **changes}
    return json.dumps({k: v for k, v in body.items() if v is not ...}).encode()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xff\xfe", "not UTF-8"),
        (b"{not json", "not JSON"),
        (b"[1, 2]", "JSON list, not an object"),
        (_with(TradeID=...), "TradeID is missing"),
        (_with(TradeID=""), "TradeID is missing or not a non-empty string"),
        (_with(Value=...), "missing field Value"),
        (_with(Value="12.5"), "Value is not a number"),
        (_with(Value=True), "Value is not a number"),
        (
            b'{"TradeID": "t", "Value": NaN, "Version": 1, "Timestamp": 1, "Hierarchy": {}}',
            "non-finite number NaN",
        ),
        (
            b'{"TradeID": "t", "Value": Infinity, "Version": 1, "Timestamp": 1, "Hierarchy": {}}',
            "non-finite number Infinity",
        ),
        (_with(Version=1.5), "Version is not an integer"),
        (_with(Timestamp=None), "missing field Timestamp"),
        (_with(Hierarchy=...), "Hierarchy is not an object"),
        (
            _with(Hierarchy={"RiskType": "Gamma", "Region": "AMER", "TradeDesk": "FXSpot"}),
            "RiskType='Gamma' is not one of",
        ),
        (_with(Hierarchy={**HIERARCHY, "Book": "B1"}), "unknown hierarchy level"),
    ],
)
def test_malformed_messages_say_why(data, reason):
    with pytest.raises(MalformedMessage, match=reason):
        parse_message(data)


def test_base64_is_validated():
    assert decode_base64(base64.b64encode(b"abc").decode()) == b"abc"
    with pytest.raises(MalformedMessage, match="not base64"):
        decode_base64("!!! not base64 !!!")


messages = st.builds(
    TradeMessage,
    trade_id=st.uuids().map(str),
    value=st.integers(0, 10_000_000).map(lambda c: Decimal(c) / 100),
    version=st.integers(-5, 10_000),
    timestamp=st.integers(1_600_000_000_000, 1_900_000_000_000).map(lambda ms: Decimal(ms) / 1000),
    hierarchy=st.sampled_from(all_hierarchies()),
)


@given(messages)
def test_wire_form_round_trips_exactly(message):
    assert parse_message(message.to_json().encode()) == message


@given(messages)
def test_state_item_round_trips(message):
    state = TradeState.of(message)
    item = state.to_item()
    assert json.loads(str(item["Hierarchy"])) == dict(sorted(message.hierarchy.as_dict().items()))
    assert TradeState.from_item(item) == state


def test_state_image_not_written_by_state_lambda_is_malformed():
    with pytest.raises(MalformedMessage, match="lacks 'Hierarchy'"):
        TradeState.from_item({"id": "x", "Value": Decimal(1), "Version": 1, "Timestamp": 1})
    with pytest.raises(MalformedMessage, match="state image is invalid"):
        TradeState.from_item(
            {"id": "x", "Value": Decimal(1), "Version": 1, "Timestamp": 1, "Hierarchy": "{"}
        )
    assert Hierarchy.from_mapping(HIERARCHY).risk_type == "Delta"
