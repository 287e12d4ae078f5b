"""While a burst runs the referee reads only what was sent and the aggregates; StateTable's
stream, which MapLambda's poller reads from the same DynamoDB Local, waits for the burst's end."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

from leda.workshop.ledger import expected_aggregates, read_trade
from leda.workshop.referee import AggregateReader, Referee, StreamReader
from tests.unit.test_stream_reader import Clock, FakeShards

STAMP = 1_800_000_000


def _message(trade: str, value: int) -> dict[str, Any]:
    body = {
        "TradeID": trade,
        "Value": value,
        "Version": 1,
        "Timestamp": STAMP,
        "Hierarchy": {"RiskType": "PV", "TradeDesk": "FXSpot", "Region": "EMEA"},
    }
    data = base64.b64encode(json.dumps(body).encode()).decode()
    return {"kinesis": {"data": data, "approximateArrivalTimestamp": STAMP + 0.5}}


def _state_change(trade: str) -> dict[str, Any]:
    image = {"id": {"S": trade}, "Timestamp": {"N": str(STAMP)}}
    return {"eventName": "INSERT", "dynamodb": {"NewImage": image}}


class EventShards(FakeShards):
    """Shards whose records carry whole events (FakeShards wraps strings in {"data": ...})."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        super().__init__({"a": [json.dumps(event) for event in events]})

    def read(self, shard_id: str, iterator: str) -> Any:
        records, following = super().read(shard_id, iterator)
        return [replace(r, event=json.loads(r.event["data"])) for r in records], following


class Aggregates(AggregateReader):
    def __init__(self, values: dict[str, Decimal]) -> None:
        super().__init__(dynamodb=None, table="AggregateTable")
        self.values = values

    def read(self) -> dict[str, Decimal]:
        return dict(self.values)


def test_a_burst_is_judged_without_reading_state_tables_stream_which_is_counted_after():
    messages = [_message("t1", 5), _message("t2", 7)]
    sent = EventShards(messages)
    state = EventShards([_state_change("t1"), _state_change("t2")])
    trades = [read_trade(base64.b64decode(m["kinesis"]["data"])) for m in messages]
    referee = Referee(
        kinesis=StreamReader(sent, clock=Clock()),
        state_stream=StreamReader(state, clock=Clock()),
        aggregates=Aggregates(expected_aggregates(trades)),
    )
    referee.start()
    referee.observe_sent()
    [tally] = referee.bursts.values()
    assert referee.settled(tally, expected_sent=2)
    assert tally.correct_at is not None
    assert sum(state.calls.values()) == 0  # not one call on the state stream during the burst
    assert tally.state_changes == 0
    referee.observe()  # the burst is over
    assert tally.state_changes == 2 and referee.state_changes == 2


def test_the_trades_kept_share_their_bursts_timestamp_and_their_leaf():
    # The referee keeps every trade's latest version for the whole run: per trade, only what
    # is its own; a duplicate read again adds nothing but to the count of messages.
    messages = [_message("t1", 5), _message("t2", 7), _message("t1", 5)]
    referee = Referee(
        kinesis=StreamReader(EventShards(messages), clock=Clock()),
        state_stream=None,
        aggregates=Aggregates({}),
    )
    referee.observe_sent()
    [[first, second]] = referee.book.latest()
    [tally] = referee.bursts.values()
    assert first.timestamp == second.timestamp == tally.timestamp
    assert first.timestamp is second.timestamp
    assert first.leaf is second.leaf
    assert (first.trade_id, first.value, second.trade_id, second.value) == (
        "t1",
        Decimal(5),
        "t2",
        Decimal(7),
    )
    assert (referee.messages_read, tally.sent) == (3, 3)
    assert referee.expected()["PV:FXSpot:EMEA"] == Decimal(12)


def test_once_a_burst_is_sent_a_look_reads_the_stream_only_when_the_aggregates_match():
    shards = EventShards([_message("t1", 5), _message("t2", 7)])
    trades = [read_trade(base64.b64decode(m["kinesis"]["data"])) for m in shards_events(shards)]
    aggregates = Aggregates({})
    referee = Referee(
        kinesis=StreamReader(shards, clock=Clock()),
        state_stream=None,
        aggregates=aggregates,
    )
    referee.observe_sent()
    [tally] = referee.bursts.values()
    reads = shards.calls["read"]
    assert not referee.settled(tally, expected_sent=2)  # nothing aggregated yet
    assert not referee.settled(tally, expected_sent=2)
    assert shards.calls["read"] == reads  # the burst is sent: only the aggregates were read
    # A late message, then aggregates that match the burst without it: not settled, since the
    # stream is read again before a match is believed.
    shards.records["a"].append(json.dumps(_message("t3", 1)))
    aggregates.values = expected_aggregates(trades)
    assert not referee.settled(tally, expected_sent=2)
    assert shards.calls["read"] > reads and tally.sent == 3 and tally.correct_at is None
    aggregates.values = referee.expected()
    assert referee.settled(tally, expected_sent=2)
    assert tally.correct_at is not None


def shards_events(shards: EventShards) -> list[dict[str, Any]]:
    return [json.loads(record) for record in shards.records["a"]]
