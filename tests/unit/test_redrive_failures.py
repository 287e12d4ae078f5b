"""Lambda's on-failure records, as documented (tests/triggers/fixtures), parsed for a redrive;
anything else on the queue is named for what it is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leda.redrive.failures import FailedBatch, NotABatch, StreamKind, parse
from leda.redrive.redrive import delivery_of

FIXTURES = Path(__file__).parents[1] / "triggers" / "fixtures"


def test_the_documented_kinesis_record():
    batch = parse((FIXTURES / "kinesis-on-failure.json").read_text())
    assert batch == FailedBatch(
        kind=StreamKind.KINESIS,
        stream_arn="arn:aws:kinesis:us-east-2:123456789012:stream/mystream",
        shard_id="shardId-000000000001",
        start="49601189658422359378836298521827638475320189012309704722",
        end="49601189658422359378836298522902373528957594348623495186",
        size=500,
        function_arn="arn:aws:lambda:us-east-2:123456789012:function:myfunction",
        condition="RetryAttemptsExhausted",
    )
    assert "500 records of shardId-000000000001" in batch.describe()
    assert "myfunction: RetryAttemptsExhausted" in batch.describe()


def test_the_documented_dynamodb_record():
    batch = parse((FIXTURES / "dynamodb-on-failure.json").read_text())
    assert isinstance(batch, FailedBatch)
    assert batch.kind is StreamKind.DYNAMODB
    assert batch.start == batch.end == "800000000003126276362"
    assert batch.stream_arn.endswith("table/mytable/stream/2019-11-14T00:04:06.388")


@pytest.mark.parametrize(
    ("body", "what"),
    [
        ("not json", "not JSON"),
        ("[1]", "not an object"),
        (json.dumps({"reason": "EMAIL must contain exactly one @"}), "a dead letter with its"),
        (json.dumps({"hello": 1}), "without KinesisBatchInfo or DDBStreamBatchInfo"),
        (json.dumps({"KinesisBatchInfo": {"shardId": "s"}}), "missing"),
    ],
)
def test_other_messages_are_named_not_redriven(body, what):
    found = parse(body)
    assert isinstance(found, NotABatch)
    assert what in found.what


def test_success_is_no_error_and_no_failed_record():
    assert delivery_of(True, None).ok
    assert delivery_of(True, {"batchItemFailures": []}).ok
    assert not delivery_of(False, None, "Unhandled: boom").ok
    partial = delivery_of(True, {"batchItemFailures": [{"itemIdentifier": "1"}]})
    assert not partial.ok and "1 records failed" in partial.detail


def test_scheduler_dead_letters_name_the_call_to_make_now():
    from leda.redrive.dead_letters import FailedTarget, parse_dead_letter

    attributes = {"TARGET_ARN": "arn:aws:scheduler:::aws-sdk:dynamodb:deleteItem"}
    found = parse_dead_letter(json.dumps({"TableName": "t", "Key": {}}), attributes)
    assert isinstance(found, FailedTarget)
    assert (found.service, found.method) == ("dynamodb", "delete_item")
    assert "no TARGET_ARN" in str(parse_dead_letter("{}", {}))
    lambda_target = {"TARGET_ARN": "arn:aws:lambda:us-east-1:1:function:f"}
    assert "is not one a Leda schedule calls" in str(parse_dead_letter("{}", lambda_target))
    assert "not JSON" in str(parse_dead_letter("{", attributes))


def test_records_the_function_skipped_as_too_old_are_not_delivered():
    """StateLambda succeeds without writing messages older than its age limit (the workshop's
    rule): the on-failure message must stay, not be deleted as delivered."""
    skipped = delivery_of(True, {"records": 3, "inserted": 0, "stale": 3})
    assert not skipped.ok and "maximum message age" in skipped.detail
    assert delivery_of(True, {"records": 3, "inserted": 3, "stale": 0}).ok
