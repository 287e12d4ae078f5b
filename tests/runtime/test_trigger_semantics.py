"""Trigger semantics that need the real parts: kinesalite, DynamoDB Local, moto's SQS, and the
function running in the runtime's worker processes.

Two tiers test the trigger engine (src/leda/triggers):
- tests/triggers (fast, nothing but Python, milliseconds each): the engine's rules on an
  in-memory stream, an in-process function and a recording destination, in virtual time:
  order and batch size, batching window, the 6 MB cap, poll rates, retries of the same batch,
  MaximumRetryAttempts, MaximumRecordAgeInSeconds, bisect, ReportBatchItemFailures, parents
  before children, one batch in flight per shard, LATEST and TRIM_HORIZON, checkpoints across
  a restart, the batch in flight replayed exactly, expired iterators, settings refused, and
  Hypothesis properties over any failure pattern.
- here (seconds each): what only the real services and processes show: the on-failure message
  in a real SQS queue, reserved concurrency across worker processes, a timeout and a crash in
  a worker process, DynamoDB Local's stream records in Lambda's shape, and a restart of a
  mapping against kinesalite.
"""

from __future__ import annotations

import itertools
import json

import pytest

from leda.triggers.config import MappingConfig, SourceKind, StartingPosition
from tests.runtime.conftest import kinesis_mapping

pytestmark = pytest.mark.emulator


def test_retries_exhausted_go_to_the_on_failure_destination_and_the_shard_moves_on(harness):
    """The on-failure message reaches a real SQS queue (moto) and reads back whole; the
    message's fields are tested one by one in tests/triggers/test_failures.py."""
    arn = harness.stream()
    url, queue_arn = harness.queue()
    harness.put(arn, ["a", "bad", "c"])
    harness.start(
        kinesis_mapping(
            arn, batch_size=1, maximum_retry_attempts=2, on_failure_destination=queue_arn
        ),
        env={"PROBE_FAIL_WHEN_CONTAINS": "bad"},
        queue_url=url,
    )
    harness.wait_for(lambda: harness.delivered() == ["a", "c"])
    assert [i["payloads"] for i in harness.invocations()].count(["bad"]) == 3  # 1 + 2 retries
    [message] = harness.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)["Messages"]
    body = json.loads(message["Body"])
    assert body["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert body["requestContext"]["approximateInvokeCount"] == 3
    assert body["KinesisBatchInfo"]["streamArn"] == arn


def test_reserved_concurrency_1_is_never_exceeded_across_shards(harness):
    arn = harness.stream(shards=4)
    for shard in range(4):
        harness.put(arn, [f"s{shard}-{i}" for i in range(3)], shard=shard, shards=4)
    _, pool = harness.start(
        kinesis_mapping(arn, batch_size=1), env={"PROBE_SLEEP_ALWAYS": "0.2"}, reserved=1
    )
    harness.wait_for(lambda: len(harness.delivered()) == 12, timeout=60)
    spans = sorted((i["start"], i["end"]) for i in harness.invocations())
    assert all(later[0] >= earlier[1] for earlier, later in itertools.pairwise(spans))
    assert pool.stats.peak_concurrency == 1


def test_without_reservation_shards_run_concurrently(harness):
    """The check above can fail: the same load overlaps when nothing caps it."""
    arn = harness.stream(shards=4)
    for shard in range(4):
        harness.put(arn, [f"s{shard}-{i}" for i in range(3)], shard=shard, shards=4)
    _, pool = harness.start(kinesis_mapping(arn, batch_size=1), env={"PROBE_SLEEP_ALWAYS": "0.2"})
    harness.wait_for(lambda: len(harness.delivered()) == 12, timeout=60)
    assert pool.stats.peak_concurrency > 1


def test_a_timeout_is_an_error_and_the_batch_is_retried(harness):
    arn = harness.stream()
    harness.put(arn, ["slow"])
    _, pool = harness.start(
        kinesis_mapping(arn, batch_size=1),
        timeout=1,
        env={"PROBE_SLOW_TIMES": "1", "PROBE_SLEEP": "3"},
    )
    harness.wait_for(lambda: harness.delivered() == ["slow"])
    assert pool.stats.timeouts == 1
    assert pool.stats.cold_starts == 2  # the timed-out sandbox was thrown away


def test_a_crashing_function_does_not_stop_other_shards(harness):
    arn = harness.stream(shards=2)
    harness.put(arn, ["boom"], shard=0, shards=2)
    harness.put(arn, ["x1", "x2", "x3"], shard=1, shards=2)
    mapping, pool = harness.start(
        kinesis_mapping(arn, batch_size=1, maximum_retry_attempts=1),
        env={"PROBE_CRASH_WHEN_CONTAINS": "boom"},
    )
    harness.wait_for(lambda: harness.delivered() == ["x1", "x2", "x3"])
    harness.wait_for(lambda: pool.stats.crashes == 2)  # first try and one retry, then discarded
    assert mapping.errors == []


def test_dynamodb_stream_records_in_lambda_shape(harness, dynamodb):
    import uuid

    table = f"t-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    config = MappingConfig(
        name="ddb",
        function="probe",
        source_kind=SourceKind.DYNAMODB,
        source_arn=arn,
        starting_position=StartingPosition.TRIM_HORIZON,
        batch_size=10,
    )
    for key in ["k1", "k2", "k3"]:
        dynamodb.put_item(TableName=table, Item={"pk": {"S": key}})
    harness.start(config)
    harness.wait_for(lambda: harness.delivered() == ["k1", "k2", "k3"])


def test_a_batch_in_flight_at_a_restart_is_delivered_again_exactly(harness):
    """Map and Reduce are idempotent per batch hash: after a restart the batch that was in
    flight must come back with the same records, not merged with what arrived meanwhile."""
    arn = harness.stream()
    config = kinesis_mapping(arn, batch_size=100)
    harness.put(arn, ["r0", "r1", "r2"])
    harness.start(config, env={"PROBE_FAIL_TIMES": "1000"})  # fails until the restart
    harness.wait_for(lambda: len(harness.invocations()) >= 1)
    harness.stop()
    harness.put(arn, ["r3", "r4"])
    harness.log.with_suffix(".jsonl.attempts").unlink()
    harness.start(config, env={"PROBE_FAIL_TIMES": "0"})
    harness.wait_for(lambda: len(harness.delivered()) == 5)
    ok = [i["payloads"] for i in harness.invocations() if i["outcome"] == "ok"]
    assert ok == [["r0", "r1", "r2"], ["r3", "r4"]]
