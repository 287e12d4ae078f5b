"""Dollars per million messages, from metered units and one price table, for the pipeline as
built and for the workshop's original call pattern priced by the same meter.

Kinesis shard-hours are left out of the per-message figure on purpose: a provisioned shard is
billed every hour it exists, whether or not a record flows, so dividing it by the messages of a
benchmark would report how long the benchmark idled, not what a message costs. It is reported
on its own, per hour, by `shard_cost_per_hour`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from leda.bench.meter import AttributeValue, Usage, item_size, meter_call, updated_item_size
from leda.bench.prices import PRICES, Prices

MILLION = 1_000_000


@dataclass(frozen=True, slots=True)
class CostReport:
    """US dollars per million messages, per component (Kinesis shard-hours excluded: fixed)."""

    messages: int  # the messages the usage was measured over
    dynamodb_reads: float
    dynamodb_writes: float
    lambda_requests: float
    lambda_duration: float
    kinesis_put_units: float
    sqs: float
    total: float
    region: str
    prices_read_on: str


def cost_per_million_messages(
    usage: Usage,
    messages: int,
    lambda_gb_seconds: float,
    lambda_invocations: int,
    prices: Prices = PRICES,
) -> CostReport:
    """Scale what `messages` messages used to a million of them and price each component."""
    if messages <= 0:
        raise ValueError(f"messages must be positive, not {messages}")
    scale = MILLION / messages

    def per_million_messages(units: float, dollars_per_million_units: float) -> float:
        return units * dollars_per_million_units / MILLION * scale

    sqs_requests = sum(
        calls for name, calls in usage.by_operation.items() if name.startswith("sqs.")
    )
    parts = {
        "dynamodb_reads": per_million_messages(
            usage.read_units, prices.dynamodb_read_request_units_per_million
        ),
        "dynamodb_writes": per_million_messages(
            usage.write_units, prices.dynamodb_write_request_units_per_million
        ),
        "lambda_requests": per_million_messages(
            lambda_invocations, prices.lambda_requests_per_million
        ),
        "lambda_duration": lambda_gb_seconds * prices.lambda_gb_second * scale,
        "kinesis_put_units": per_million_messages(
            usage.kinesis_put_units, prices.kinesis_put_payload_units_per_million
        ),
        "sqs": per_million_messages(sqs_requests, prices.sqs_requests_per_million),
    }
    return CostReport(
        messages=messages,
        total=sum(parts.values()),
        region=prices.region,
        prices_read_on=prices.read_on,
        **parts,
    )


def shard_cost_per_hour(shards: int, prices: Prices = PRICES) -> float:
    """Dollars per hour for `shards` provisioned shards: fixed, whatever the traffic (the
    workshop's stream has 20 shards)."""
    if shards < 0:
        raise ValueError(f"shards must not be negative, not {shards}")
    return shards * prices.kinesis_shard_hour


# On AWS the generator runs every minute (an EventBridge rule, rate(1 minute)), each run one
# burst of the workshop's 10,000 messages.
GENERATOR_RUNS_PER_HOUR = 60
WORKSHOP_BURST = 10_000


def running_cost_per_hour(
    shards: int,
    cost_per_million_messages: float,
    messages_per_hour: int = GENERATOR_RUNS_PER_HOUR * WORKSHOP_BURST,
    prices: Prices = PRICES,
) -> float:
    """Dollars per hour for a deployed stack left running: its shards, plus the messages the
    generator sends each hour at the measured cost per message. Free tiers, CloudWatch logs and
    alarms are left out (alarms are billed per month: about $0.10 each, not per hour of use)."""
    if messages_per_hour < 0:
        raise ValueError(f"messages_per_hour must not be negative, not {messages_per_hour}")
    per_messages = messages_per_hour * cost_per_million_messages / MILLION
    return shard_cost_per_hour(shards, prices) + per_messages


# --- the workshop's original call pattern, as synthetic but realistic calls --------------------

_TRADE_ID = "0d957268-5c1e-4d2a-9f3b-7a6e1c2b3d4f"
_HIERARCHY = {"RiskType": "Delta", "Region": "AMER", "TradeDesk": "FXSpot"}
_RISK_TYPES = ("PV", "Delta")
_TRADE_DESKS = ("FXSpot", "FXOptions")
_REGIONS = ("EMEA", "APAC", "AMER")
# 2 + 4 + 12 aggregate keys and the message count: the ~19 updates of one Reduce transaction.
_AGGREGATE_KEYS = (
    *_RISK_TYPES,
    *(f"{r}:{d}" for r in _RISK_TYPES for d in _TRADE_DESKS),
    *(f"{r}:{d}:{g}" for r in _RISK_TYPES for d in _TRADE_DESKS for g in _REGIONS),
    "message_count",
)
_RECORDS_PER_PUT = 40  # the generator sends 250 PutRecords calls of 40 records a burst

# What each function reads from ParameterTable on every invocation in the original code.
PARAMETERS_READ: dict[str, tuple[str, ...]] = {
    "GeneratorLambda": ("SCORE", "SPECIAL_TRADES"),
    "StateLambda": ("FAILURE_STATE_LAMBDA_PCT",),
    "MapLambda": ("FAILURE_MAP_LAMBDA_PCT",),
    "ReduceLambda": ("FAILURE_REDUCE_LAMBDA_PCT",),
}


def _state_update(padding: int) -> dict[str, Any]:
    """StateLambda's unconditional write of one trade, as the workshop sends it."""
    hierarchy = json.dumps(_HIERARCHY, sort_keys=True) + " " * padding
    return {
        "TableName": "StateTable",
        "Key": {"id": {"S": _TRADE_ID}},
        "UpdateExpression": "SET #val = :val, #ver = :ver, #h = :h, #ts = :ts",
        "ExpressionAttributeNames": {
            "#val": "Value",
            "#ver": "Version",
            "#h": "Hierarchy",
            "#ts": "Timestamp",
        },
        "ExpressionAttributeValues": {
            ":val": {"N": "34624.51"},
            ":ver": {"N": "3"},
            ":h": {"S": hierarchy},
            ":ts": {"N": "1616413258.89"},
        },
    }


def _parameter_item(name: str, size: int) -> dict[str, AttributeValue]:
    item: dict[str, AttributeValue] = {"parameter": {"S": name}, "value": {"N": "5"}}
    padding = size - item_size(item) - len("note")
    if padding > 0:
        item["note"] = {"S": " " * padding}
    return item


# The sizes of the realistic items above (bytes); the defaults of workshop_original_usage.
STATE_ITEM_SIZE = updated_item_size(_state_update(0), {})
PARAMETER_ITEM_SIZE = max(
    item_size(_parameter_item(name, 0)) for names in PARAMETERS_READ.values() for name in names
)


def _message_text() -> str:
    return json.dumps(
        {
            "TradeID": _TRADE_ID,
            "Value": 34624.51,
            "Version": 3,
            "Timestamp": 1616413258.89,
            "Hierarchy": _HIERARCHY,
        }
    )


def _put_records(count: int) -> tuple[dict[str, Any], dict[str, Any]]:
    text = _message_text()
    record = {"Data": text.encode(), "PartitionKey": hashlib.sha256(text.encode()).hexdigest()}
    params = {"StreamName": "IncomingDataStream", "Records": [record] * count}
    response = {
        "FailedRecordCount": 0,
        "Records": [{"SequenceNumber": "1", "ShardId": "shardId-000000000000"}] * count,
    }
    return params, response


def _delta_put() -> dict[str, Any]:
    """MapLambda's one delta per batch: the batch's sums under every key, as JSON text."""
    deltas: dict[str, float | int] = dict.fromkeys(_AGGREGATE_KEYS, 1234567.89)
    deltas["message_count"] = 10_000
    deltas["timestamp_generator_first"] = 1616413258.89
    deltas["timestamp_generator_mean"] = 1616413260.12
    return {
        "TableName": "ReduceTable",
        "Item": {
            "MessageId": {"S": hashlib.sha256(b"batch").hexdigest()},
            "Message": {"S": json.dumps(deltas)},
        },
        "ConditionExpression": "attribute_not_exists(MessageId)",
    }


def _reduce_transaction() -> dict[str, Any]:
    """ReduceLambda's ADD of every delta in one transaction (no token, no marker: lab 1)."""
    return {
        "TransactItems": [
            {
                "Update": {
                    "TableName": "AggregateTable",
                    "Key": {"Identifier": {"S": key}},
                    "UpdateExpression": "ADD #v :d",
                    "ExpressionAttributeNames": {"#v": "Value"},
                    "ExpressionAttributeValues": {":d": {"N": "1234567.89"}},
                }
            }
            for key in _AGGREGATE_KEYS
        ]
    }


def _aggregate_scan() -> dict[str, Any]:
    items = [{"Identifier": {"S": key}, "Value": {"N": "98765432.1"}} for key in _AGGREGATE_KEYS]
    return {"Items": items, "Count": len(items), "ScannedCount": len(items)}


def _times(usage: Usage, count: int) -> Usage:
    """`count` calls like the metered one (none: nothing, not a zero in by_operation)."""
    if count <= 0:
        return Usage()
    return Usage(
        read_units=usage.read_units * count,
        write_units=usage.write_units * count,
        kinesis_put_units=usage.kinesis_put_units * count,
        requests=usage.requests * count,
        by_operation={name: calls * count for name, calls in usage.by_operation.items()},
    )


def workshop_original_usage(
    messages: int,
    invocations_by_function: Mapping[str, int],
    state_item_size: int = STATE_ITEM_SIZE,
    parameter_item_size: int = PARAMETER_ITEM_SIZE,
) -> Usage:
    """What the workshop's original code would have used for the same messages and invocations.

    Modelled, each as a realistic call priced by `meter_call` (one of a kind, then counted):
    one unconditional UpdateItem per message on StateTable (`state_item_size` bytes); a
    strongly consistent GetItem on ParameterTable for every parameter a function reads, on
    every invocation (`parameter_item_size` bytes at least: a parameter's name and value);
    MapLambda's one PutItem per batch; ReduceLambda's TransactWriteItems of 19 ADD updates per
    batch; the generator's two Scans of AggregateTable per invocation (eventually consistent,
    boto3's default: an assumption) and one PutRecords per 40 messages.
    Left out as too rare to matter: the SCORE update after a correct burst and the switch to
    lab 2. Invocations are keyed by function logical id (GeneratorLambda, StateLambda,
    MapLambda, ReduceLambda); other names are ignored: the workshop had no other functions.
    """
    if messages < 0:
        raise ValueError(f"messages must not be negative, not {messages}")
    if state_item_size < STATE_ITEM_SIZE:
        raise ValueError(
            f"a StateTable item holds at least {STATE_ITEM_SIZE} bytes, not {state_item_size}"
        )
    invocations = {name: invocations_by_function.get(name, 0) for name in PARAMETERS_READ}
    usage = Usage()

    state_write = meter_call(
        "dynamodb", "UpdateItem", _state_update(state_item_size - STATE_ITEM_SIZE), {}
    )
    usage.add(_times(state_write, messages))

    for function, names in PARAMETERS_READ.items():
        for name in names:
            read = meter_call(
                "dynamodb",
                "GetItem",
                {
                    "TableName": "ParameterTable",
                    "Key": {"parameter": {"S": name}},
                    "ConsistentRead": True,
                },
                {"Item": _parameter_item(name, parameter_item_size)},
            )
            usage.add(_times(read, invocations[function]))

    delta_put = meter_call("dynamodb", "PutItem", _delta_put(), {})
    usage.add(_times(delta_put, invocations["MapLambda"]))
    reduce = meter_call("dynamodb", "TransactWriteItems", _reduce_transaction(), {})
    usage.add(_times(reduce, invocations["ReduceLambda"]))

    scan = meter_call("dynamodb", "Scan", {"TableName": "AggregateTable"}, _aggregate_scan())
    usage.add(_times(scan, 2 * invocations["GeneratorLambda"]))
    full_calls, rest = divmod(messages, _RECORDS_PER_PUT)
    usage.add(
        _times(meter_call("kinesis", "PutRecords", *_put_records(_RECORDS_PER_PUT)), full_calls)
    )
    if rest:
        usage.add(meter_call("kinesis", "PutRecords", *_put_records(rest)))
    return usage
