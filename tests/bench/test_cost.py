"""Dollars from units, and the workshop's original call pattern priced by the same meter."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

import pytest

from leda.bench.cost import (
    PARAMETER_ITEM_SIZE,
    STATE_ITEM_SIZE,
    CostReport,
    cost_per_million_messages,
    running_cost_per_hour,
    shard_cost_per_hour,
    workshop_original_usage,
)
from leda.bench.meter import Usage, meter_call
from leda.bench.prices import PRICES, Prices

# Round numbers, so the arithmetic below can be checked by hand.
TEST_PRICES = Prices(
    region="test-region",
    read_on="2000-01-01",
    sources=("https://example.com/pricing",),
    dynamodb_write_request_units_per_million=1.00,
    dynamodb_read_request_units_per_million=0.25,
    lambda_requests_per_million=0.20,
    lambda_gb_second=0.00001,
    kinesis_shard_hour=0.015,
    kinesis_put_payload_units_per_million=0.014,
    sqs_requests_per_million=0.40,
)

# A lab-2 burst of 10,000 messages as the runtime counts invocations for it.
INVOCATIONS = {"StateLambda": 100, "MapLambda": 5, "ReduceLambda": 5, "GeneratorLambda": 1}


def test_cost_of_a_known_usage():
    usage = Usage(
        read_units=400,
        write_units=1000,
        kinesis_put_units=2000,
        requests=1110,
        by_operation={
            "sqs.SendMessageBatch": 10,
            "dynamodb.PutItem": 1000,
            "kinesis.PutRecords": 100,
        },
    )
    report = cost_per_million_messages(
        usage, messages=2000, lambda_gb_seconds=50, lambda_invocations=100, prices=TEST_PRICES
    )
    # 2,000 messages -> x 500 for a million
    assert report.dynamodb_reads == pytest.approx(0.05)  # 400 x $0.25/M = $0.0001, x 500
    assert report.dynamodb_writes == pytest.approx(0.5)  # 1,000 x $1/M = $0.001, x 500
    assert report.lambda_requests == pytest.approx(0.01)  # 100 x $0.20/M = $0.00002, x 500
    assert report.lambda_duration == pytest.approx(0.25)  # 50 GB-s x $0.00001 = $0.0005, x 500
    assert report.kinesis_put_units == pytest.approx(0.014)  # 2,000 x $0.014/M, x 500
    assert report.sqs == pytest.approx(0.002)  # 10 sqs.* requests x $0.40/M, x 500
    assert report.total == pytest.approx(0.05 + 0.5 + 0.01 + 0.25 + 0.014 + 0.002)  # 0.826
    assert (report.messages, report.region, report.prices_read_on) == (
        2000,
        "test-region",
        "2000-01-01",
    )


def test_cost_needs_messages():
    with pytest.raises(ValueError, match="positive"):
        cost_per_million_messages(Usage(), 0, 0.0, 0)


def test_shard_hours_are_a_fixed_cost_reported_apart():
    assert shard_cost_per_hour(20, TEST_PRICES) == pytest.approx(0.30)  # 20 x $0.015
    assert shard_cost_per_hour(0) == 0
    with pytest.raises(ValueError, match="negative"):
        shard_cost_per_hour(-1)
    assert not any("shard" in f.name for f in dataclasses.fields(CostReport))


def test_a_running_stack_pays_its_shards_and_a_burst_a_minute():
    # 20 shards x $0.015 + 600,000 messages an hour at $2 a million = $0.30 + $1.20
    assert running_cost_per_hour(20, 2.0, prices=TEST_PRICES) == pytest.approx(1.50)
    assert running_cost_per_hour(20, 2.0, messages_per_hour=0, prices=TEST_PRICES) == (
        pytest.approx(0.30)
    )
    with pytest.raises(ValueError, match="negative"):
        running_cost_per_hour(20, 2.0, messages_per_hour=-1)


def test_original_pattern_for_10000_messages():
    usage = workshop_original_usage(10_000, INVOCATIONS)
    # UpdateItem per message: 10,000 calls, a 144-byte item each -> 10,000 write units
    # GetItem, strongly consistent, per parameter per invocation: State 100 + Map 5 + Reduce 5
    #   + Generator 1 x 2 (SCORE, SPECIAL_TRADES) = 112 calls, < 4 KB each -> 112 read units
    # Map PutItem per batch: 5 calls, a ~740-byte delta -> 5 write units
    # Reduce TransactWriteItems per batch: 5 x 19 small updates x 2 -> 190 write units
    # Generator Scan x 2, 19 small items, eventually consistent -> 2 x 0.5 = 1 read unit
    # PutRecords: 10,000 / 40 = 250 calls of ~200-byte records -> 10,000 PUT payload units
    assert usage.write_units == 10_000 + 5 + 190
    assert usage.read_units == 112 + 1
    assert usage.kinesis_put_units == 10_000
    assert usage.by_operation == {
        "dynamodb.UpdateItem": 10_000,
        "dynamodb.GetItem": 112,
        "dynamodb.PutItem": 5,
        "dynamodb.TransactWriteItems": 5,
        "dynamodb.Scan": 2,
        "kinesis.PutRecords": 250,
    }
    assert usage.requests == 10_000 + 112 + 5 + 5 + 2 + 250


def test_original_pattern_item_sizes():
    assert STATE_ITEM_SIZE == 144  # see test_meter: id 38 + Value 10 + Version 9 + ...
    # "parameter" 9 + "FAILURE_REDUCE_LAMBDA_PCT" 25 + "value" 5 + N 5 (2) = 41
    assert PARAMETER_ITEM_SIZE == 41
    # A 1,025-byte state item: 2 write units a message; a 4,097-byte parameter: 2 read units
    bigger = workshop_original_usage(
        10_000, INVOCATIONS, state_item_size=1025, parameter_item_size=4097
    )
    assert bigger.write_units == 2 * 10_000 + 5 + 190
    assert bigger.read_units == 2 * 112 + 1
    with pytest.raises(ValueError, match="at least 144"):
        workshop_original_usage(10_000, INVOCATIONS, state_item_size=100)


def test_original_pattern_edges():
    # 10,001 messages: 250 full PutRecords calls and one of a single record
    usage = workshop_original_usage(10_001, {"Frontend": 7})
    assert usage.by_operation["kinesis.PutRecords"] == 251
    assert usage.kinesis_put_units == 10_001
    assert "dynamodb.GetItem" not in usage.by_operation  # no invocations of known functions
    assert workshop_original_usage(0, {}) == Usage()


# --- the batched conditional pattern (stage fault-tolerant), built call by call ----------------

TRADE = {
    "id": {"S": "0d957268-5c1e-4d2a-9f3b-7a6e1c2b3d4f"},
    "Value": {"N": "34624.51"},
    "Version": {"N": "3"},
    "Hierarchy": {"S": '{"Region": "AMER", "RiskType": "Delta", "TradeDesk": "FXSpot"}'},
    "Timestamp": {"N": "1616413258.89"},
}
INSERT = {
    "Statement": 'INSERT INTO "StateTable" VALUE '
    "{'id': ?, 'Value': ?, 'Version': ?, 'Hierarchy': ?, 'Timestamp': ?}",
    "Parameters": [TRADE[n] for n in ("id", "Value", "Version", "Hierarchy", "Timestamp")],
}
UPDATE = {
    "Statement": 'UPDATE "StateTable" SET "Value" = ? SET "Version" = ? '
    'SET "Hierarchy" = ? SET "Timestamp" = ? WHERE "id" = ? AND "Version" < ?',
    "Parameters": [
        TRADE[n] for n in ("Value", "Version", "Hierarchy", "Timestamp", "id", "Version")
    ],
}
AGGREGATE_KEYS = [
    "PV",
    "Delta",
    *(f"{r}:{d}" for r in ("PV", "Delta") for d in ("FXSpot", "FXOptions")),
    *(
        f"{r}:{d}:{g}"
        for r in ("PV", "Delta")
        for d in ("FXSpot", "FXOptions")
        for g in ("EMEA", "APAC", "AMER")
    ),
    "message_count",
]


def batch(statement: dict[str, Any], outcomes: Sequence[str | None]) -> Usage:
    """One BatchExecuteStatement call; an outcome is None (done) or the statement's error code."""
    return meter_call(
        "dynamodb",
        "BatchExecuteStatement",
        {"Statements": [statement] * len(outcomes)},
        {"Responses": [{"Error": {"Code": code}} if code else {} for code in outcomes]},
    )


def batched_conditional_usage() -> Usage:
    """10,000 messages of a lab-2 burst: 8,750 fresh and 1,250 exact duplicates, which StateStore
    collapses inside their batch (never written). Of the 8,750 trades written, 250 re-use an
    existing TradeID (~3 %): their INSERT is refused as DuplicateItem, then UPDATE runs, and half
    of those are older versions refused by the condition."""
    usage = Usage()
    for call in range(350):  # 8,750 INSERTs, 25 a call; the first 250 calls hold one refusal
        outcomes: list[str | None] = [None] * 25
        if call < 250:
            outcomes[-1] = "DuplicateItem"
        usage.add(batch(INSERT, outcomes))
    for _ in range(10):  # 250 UPDATEs, 25 a call, 12 or 13 of each refused (older versions)
        usage.add(batch(UPDATE, [None, "ConditionalCheckFailed"] * 12 + [None]))
    parameter_read = meter_call(
        "dynamodb",
        "GetItem",
        {"Key": {"parameter": {"S": "FAILURE_STATE_LAMBDA_PCT"}}, "ConsistentRead": True},
        {"Item": {"value": {"N": "5"}}},
    )
    for _ in range(12):  # cached for a second in each container: 12 reads, not 112
        usage.add(parameter_read)
    delta = {"MessageId": {"S": "f" * 64}, "Message": {"S": "x" * 700}}
    for _ in range(5):
        usage.add(meter_call("dynamodb", "PutItem", {"Item": delta}, {}))
    reduce_items: list[dict[str, Any]] = [
        {
            "Update": {
                "Key": {"Identifier": {"S": key}},
                "UpdateExpression": "ADD #v :d",
                "ExpressionAttributeNames": {"#v": "Value"},
                "ExpressionAttributeValues": {":d": {"N": "1234567.89"}},
            }
        }
        for key in AGGREGATE_KEYS
    ]
    marker = {
        "Put": {
            "Item": {"Identifier": {"S": "applied-batch#" + "a" * 64}, "ExpiresAt": {"N": "1"}},
            "ConditionExpression": "attribute_not_exists(Identifier)",
        }
    }
    for _ in range(5):
        usage.add(
            meter_call(
                "dynamodb",
                "TransactWriteItems",
                {"TransactItems": [*reduce_items, marker], "ClientRequestToken": "t"},
                {},
            )
        )
    page = {"Items": [{"Identifier": {"S": k}, "Value": {"N": "1"}} for k in AGGREGATE_KEYS]}
    for _ in range(2):
        usage.add(meter_call("dynamodb", "Scan", {"ConsistentRead": True}, page))
    records = [{"Data": b"x" * 200, "PartitionKey": "p" * 64}] * 40
    for _ in range(250):
        usage.add(meter_call("kinesis", "PutRecords", {"Records": records}, {}))
    return usage


def test_original_pattern_costs_more_than_the_batched_conditional_pattern():
    batched = batched_conditional_usage()
    # INSERTs: 8,750 (refused ones charged too); UPDATEs: 250 (refused ones charged too);
    # Map: 5; Reduce: 5 transactions x (19 updates + 1 marker) x 2 = 200 -> 9,205 write units.
    # Reads: 12 parameter reads + 2 strongly consistent scans of one unit -> 14 read units.
    assert batched.write_units == 8_750 + 250 + 5 + 200
    assert batched.read_units == 12 + 2
    original = workshop_original_usage(10_000, INVOCATIONS)
    assert (original.write_units, original.read_units) == (10_195, 113)

    invocations = sum(INVOCATIONS.values())  # same functions, same invocations and GB-seconds
    ours = cost_per_million_messages(batched, 10_000, 40.0, invocations)
    theirs = cost_per_million_messages(original, 10_000, 40.0, invocations)
    assert theirs.total > ours.total
    # The difference is DynamoDB alone: (10,195 - 9,205) = 990 write units and (113 - 14) = 99
    # read units per 10,000 messages, x 100 for a million.
    saved = (
        (
            990 * PRICES.dynamodb_write_request_units_per_million
            + 99 * PRICES.dynamodb_read_request_units_per_million
        )
        / 1_000_000
        * 100
    )
    assert theirs.total - ours.total == pytest.approx(saved)
    assert theirs.lambda_duration == ours.lambda_duration
    assert theirs.kinesis_put_units == ours.kinesis_put_units


# --- the price table ---------------------------------------------------------------------------


def test_price_table_names_its_sources_and_date():
    assert PRICES.region == "us-east-1"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", PRICES.read_on)
    assert PRICES.sources
    assert all(source.startswith("https://") for source in PRICES.sources)
    numbers = [
        value
        for field in dataclasses.fields(Prices)
        if isinstance(value := getattr(PRICES, field.name), float)
    ]
    assert len(numbers) == 7
    assert all(value > 0 for value in numbers)
    with pytest.raises(dataclasses.FrozenInstanceError):
        PRICES.lambda_gb_second = 0.0  # type: ignore[misc]
