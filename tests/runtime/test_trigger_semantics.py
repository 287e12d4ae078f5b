"""Lambda's stream-trigger semantics, one rule at a time, on kinesalite and DynamoDB Local."""

from __future__ import annotations

import itertools
import json

import pytest

from leda.triggers.config import (
    MappingConfig,
    MappingConfigError,
    SourceKind,
    StartingPosition,
)
from tests.runtime.conftest import kinesis_mapping

pytestmark = pytest.mark.emulator


def test_records_arrive_in_shard_order_in_batches_of_the_batch_size(harness):
    arn = harness.stream()
    payloads = [f"r{i:02}" for i in range(25)]
    harness.put(arn, payloads)
    harness.start(kinesis_mapping(arn, batch_size=10))
    harness.wait_for(lambda: len(harness.delivered()) == 25)
    assert harness.delivered() == payloads
    assert max(len(i["payloads"]) for i in harness.invocations()) == 10


def test_the_batching_window_gathers_records_before_invoking(harness):
    arn = harness.stream()
    harness.start(kinesis_mapping(arn, batch_size=100, batching_window_seconds=2))
    harness.put(arn, ["a", "b", "c"])
    harness.wait_for(lambda: len(harness.delivered()) == 3)
    [invocation] = harness.invocations()  # one invocation for the three, not three
    assert invocation["payloads"] == ["a", "b", "c"]


def test_a_failed_batch_is_retried_with_the_same_records_in_the_same_order(harness):
    arn = harness.stream()
    harness.put(arn, [f"r{i}" for i in range(5)])
    harness.start(kinesis_mapping(arn, batch_size=5), env={"PROBE_FAIL_TIMES": "2"})
    harness.wait_for(lambda: len(harness.delivered()) == 5)
    attempts = harness.invocations()
    assert [a["outcome"] for a in attempts] == ["error", "error", "ok"]
    assert all(a["sequences"] == attempts[0]["sequences"] for a in attempts)


def test_bisect_isolates_the_bad_record_and_bounded_retries_discard_it(harness):
    arn = harness.stream()
    url, queue_arn = harness.queue()
    payloads = [f"r{i}" for i in range(8)]
    harness.put(arn, payloads)
    harness.start(
        kinesis_mapping(
            arn,
            batch_size=8,
            bisect_on_error=True,
            maximum_retry_attempts=4,
            on_failure_destination=queue_arn,
        ),
        env={"PROBE_FAIL_WHEN_CONTAINS": "r3"},
        queue_url=url,
    )
    harness.wait_for(lambda: sorted(harness.delivered()) == [p for p in payloads if p != "r3"])
    sizes = [len(i["payloads"]) for i in harness.invocations()]
    assert sizes[:3] == [8, 4, 2]  # halves, then quarters, down to the bad record
    assert harness.delivered().count("r4") == 1
    [message] = harness.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)["Messages"]
    info = json.loads(message["Body"])["KinesisBatchInfo"]
    bad = next(i for i in harness.invocations() if i["payloads"] == ["r3"])
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == bad["sequences"][0]
    assert info["batchSize"] == 1


def test_retries_exhausted_go_to_the_on_failure_destination_and_the_shard_moves_on(harness):
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


def test_report_batch_item_failures_moves_the_checkpoint_to_the_first_failure(harness):
    arn = harness.stream()
    harness.put(arn, [f"r{i}" for i in range(5)])
    harness.start(
        kinesis_mapping(arn, batch_size=5, function_response_types=("ReportBatchItemFailures",)),
        env={"PROBE_REPORT_FAILURE_ON": "r2"},
    )
    harness.wait_for(lambda: len(harness.invocations()) >= 2)
    first, second = harness.invocations()[:2]
    assert first["payloads"] == ["r0", "r1", "r2", "r3", "r4"]
    assert second["payloads"] == ["r2", "r3", "r4"]  # from the failed record on, not r0, r1


def test_an_invalid_item_identifier_fails_the_whole_batch(harness):
    arn = harness.stream()
    harness.put(arn, [f"r{i}" for i in range(3)])
    harness.start(
        kinesis_mapping(arn, batch_size=3, function_response_types=("ReportBatchItemFailures",)),
        env={"PROBE_REPORT_FAILURE_ON": "r1", "PROBE_REPORT_INVALID": "1"},
    )
    harness.wait_for(lambda: len(harness.invocations()) >= 2)
    first, second = harness.invocations()[:2]
    assert second["payloads"] == first["payloads"] == ["r0", "r1", "r2"]


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


def test_checkpoints_survive_a_restart(harness):
    arn = harness.stream()
    config = kinesis_mapping(arn, batch_size=10)
    harness.put(arn, ["a", "b"])
    harness.start(config)
    harness.wait_for(lambda: harness.delivered() == ["a", "b"])
    harness.stop()
    harness.put(arn, ["c", "d"])
    harness.start(config)  # same mapping name, same checkpoint directory
    harness.wait_for(lambda: harness.delivered() == ["a", "b", "c", "d"])


def test_latest_skips_what_was_there_before_the_mapping_and_holds_across_restart(harness):
    arn = harness.stream()
    harness.put(arn, ["before"])
    config = kinesis_mapping(arn, starting_position="LATEST")
    harness.start(config)
    harness.put(arn, ["after"])
    harness.wait_for(lambda: harness.delivered() == ["after"])
    harness.stop()
    harness.put(arn, ["while-down"])
    harness.start(config)  # resumes where it was, not at a new "latest"
    harness.wait_for(lambda: harness.delivered() == ["after", "while-down"])


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


def test_settings_outside_lambdas_limits_are_refused():
    with pytest.raises(MappingConfigError, match="BatchSize 0"):
        kinesis_mapping("arn", batch_size=0)
    with pytest.raises(MappingConfigError, match="MaximumRecordAgeInSeconds"):
        kinesis_mapping("arn", maximum_record_age_seconds=5)
    with pytest.raises(MappingConfigError, match="ParallelizationFactor 4 is not supported"):
        kinesis_mapping("arn", parallelization_factor=4)


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
