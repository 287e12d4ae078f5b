"""The injected failures, as a function's client meets them, against the real emulators."""

from __future__ import annotations

import base64
import random
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from leda.cloud.credentials import local_client
from leda.faults.hooks import THROTTLED, FaultHooks

pytestmark = pytest.mark.emulator


@pytest.fixture
def hooked() -> Iterator[Callable[[FaultHooks], FaultHooks]]:
    """Install hooks made by the test; undone afterwards."""
    undo: list[Callable[[], None]] = []

    def install(hooks: FaultHooks) -> FaultHooks:
        undo.append(hooks.install())
        return hooks

    yield install
    for step in reversed(undo):
        step()


def test_refused_entries_never_reach_the_stream_and_are_reported_failed(
    kinesis, moto_endpoint, hooked
):
    name = f"faults-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    kinesis.get_waiter("stream_exists").wait(StreamName=name)
    hooked(FaultHooks({"refuse_put_records": 0.5}, random.Random(3)))
    client = local_client("kinesis", moto_endpoint)  # made after the hooks: they apply
    entries = [{"Data": f"m{i}".encode(), "PartitionKey": "k"} for i in range(40)]
    answer = client.put_records(StreamName=name, Records=entries)

    refused = [i for i, r in enumerate(answer["Records"]) if "ErrorCode" in r]
    assert 0 < len(refused) < 40
    assert answer["FailedRecordCount"] == len(refused)
    assert len(answer["Records"]) == 40
    assert all(answer["Records"][i]["ErrorCode"] == THROTTLED for i in refused)
    shard = kinesis.list_shards(StreamName=name)["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName=name, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    stored = [r["Data"] for r in kinesis.get_records(ShardIterator=iterator)["Records"]]
    expected = [entries[i]["Data"] for i in range(40) if i not in set(refused)]
    assert [base64.b64decode(d) if isinstance(d, str) else d for d in stored] == expected


def test_throttled_writes_are_refused_unsent(dynamodb, dynamodb_endpoint, tables, hooked):
    hooked(FaultHooks({"throttle": {"operations": ["PutItem"], "share": 1.0}}))
    client = local_client("dynamodb", dynamodb_endpoint)
    item = {"MessageId": {"S": "m"}, "Message": {"S": "{}"}}
    with pytest.raises(ClientError) as refused:
        client.put_item(TableName=tables.reduce, Item=item)
    assert refused.value.response["Error"]["Code"] == THROTTLED
    assert "Item" not in dynamodb.get_item(TableName=tables.reduce, Key={"MessageId": {"S": "m"}})
    # other operations are not throttled
    client.get_item(TableName=tables.reduce, Key={"MessageId": {"S": "m"}})


def _throttled_pattern(
    settings: dict[str, Any], endpoint: str, table: str, calls: int = 16
) -> list[bool]:
    """Which of `calls` PutItem calls a worker with these settings has throttled."""
    undo = FaultHooks(settings).install()
    try:
        client = local_client("dynamodb", endpoint)
        pattern = []
        for number in range(calls):
            item = {"MessageId": {"S": f"seeded-{number}"}, "Message": {"S": "{}"}}
            try:
                client.put_item(TableName=table, Item=item)
                pattern.append(False)
            except ClientError:
                pattern.append(True)
        return pattern
    finally:
        undo()


def test_a_seed_makes_the_draws_repeatable(dynamodb_endpoint, tables):
    """`--seed` reaches the workers: the same seed throttles the same calls, run after run."""
    throttle = {"operations": ["PutItem"], "share": 0.5}
    first = _throttled_pattern(
        {"throttle": throttle, "seed": "3:MapLambda"}, dynamodb_endpoint, tables.reduce
    )
    again = _throttled_pattern(
        {"throttle": throttle, "seed": "3:MapLambda"}, dynamodb_endpoint, tables.reduce
    )
    other = _throttled_pattern(
        {"throttle": throttle, "seed": "4:MapLambda"}, dynamodb_endpoint, tables.reduce
    )
    assert first == again
    assert any(first) and not all(first)
    assert other != first  # 16 draws at one half: the same pattern once in 65,536


def test_an_outage_throttles_until_its_end_then_nothing(
    dynamodb, dynamodb_endpoint, tables, hooked
):
    outage = {"operations": ["PutItem"], "share": 1.0, "until": time.time() + 1.0}
    hooks = hooked(FaultHooks({"throttle": outage}))
    client = local_client("dynamodb", dynamodb_endpoint)
    item = {"MessageId": {"S": "o"}, "Message": {"S": "{}"}}
    with pytest.raises(ClientError):
        client.put_item(TableName=tables.reduce, Item=item)
    time.sleep(1.1)
    client.put_item(TableName=tables.reduce, Item=item)  # the outage is over
    assert hooks.counts["throttled_calls"] == 1
    assert "Item" in dynamodb.get_item(TableName=tables.reduce, Key={"MessageId": {"S": "o"}})


def test_a_late_delivery_loses_its_token(dynamodb_endpoint, tables, hooked):
    hooks = hooked(FaultHooks({"forget_tokens_on_replay": True}))
    client = local_client("dynamodb", dynamodb_endpoint)
    request = {
        "TransactItems": [
            {
                "Update": {
                    "TableName": tables.aggregate,
                    "Key": {"Identifier": {"S": "PV"}},
                    "UpdateExpression": "ADD #v :d",
                    "ExpressionAttributeNames": {"#v": "Value"},
                    "ExpressionAttributeValues": {":d": {"N": "1"}},
                }
            }
        ],
        "ClientRequestToken": "same-batch",
    }
    hooks.invocation(None)
    client.transact_write_items(**request)
    client.transact_write_items(**request)  # in the window: DynamoDB ignores the repeat
    hooks.invocation({"late": True})
    client.transact_write_items(**request)  # after it: the token is gone, the batch applied
    value = client.get_item(TableName=tables.aggregate, Key={"Identifier": {"S": "PV"}})
    assert value["Item"]["Value"]["N"] == "2"
    assert hooks.counts["forgotten_tokens"] == 1
