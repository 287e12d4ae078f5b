"""Events and on-failure records as AWS shapes them, value by value, against fixtures written
from AWS's documentation (tests/triggers/fixtures/README.md): binary attributes as base64,
creation and arrival times, regions, functionError, requestId, and the number of deliveries of a
record that ReportBatchItemFailures keeps naming.

The sources run here on clients that answer as the emulators do (tests/support/
emulator_answers.py); the same things on the real emulators and worker processes are in
tests/runtime/test_aws_shapes.py.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from leda.triggers.checkpoints import CheckpointStore, Position
from leda.triggers.config import REPORT_BATCH_ITEM_FAILURES, MappingConfig, SourceKind
from leda.triggers.poller import MappingStats, ShardPoller
from leda.triggers.sources import DynamoDBStreamSource, KinesisSource, ShardSource, creation_time
from leda.workers.pool import FunctionPool
from leda.workers.spec import InvocationResult, WorkerSpec
from stacks.project import PROJECT_ROOT
from tests.support.aws_shapes import (
    FORMATS,
    assert_shaped_like,
    fixture,
    fixture_items,
    parse_stream_record,
    python_image,
)
from tests.support.emulator_answers import DynamoDBLocalStreams, KinesaliteKinesis
from tests.support.inline_invoke import poison, report_failures
from tests.support.memory_destination import RecordingSqs
from tests.support.virtual_time import EPOCH, VirtualClock, VirtualStop
from tests.triggers.conftest import FUNCTION_ARN, Rig, mapping_config

REGION = "us-east-2"  # the fixtures' region; the emulators say us-east-1 and ddblocal
UUID = FORMATS["UUID"]
REPORTS = {"function_response_types": (REPORT_BATCH_ITEM_FAILURES,)}


def utc(epoch: float, timespec: str) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec=timespec)[:-6] + "Z"


@dataclass
class Capture:
    """The function: keeps every event as the worker pool hands it over (a JSON line, read
    back), and answers with `answer` (raise to fail)."""

    answer: Callable[[list[dict[str, Any]]], object] = lambda records: None
    clock: Callable[[], float] = lambda: 0.0
    events: list[dict[str, Any]] = field(default_factory=list)
    started: list[float] = field(default_factory=list)

    def __call__(self, event: dict[str, Any]) -> InvocationResult:
        delivered = json.loads(json.dumps(event, allow_nan=False))
        self.events.append(delivered)
        self.started.append(self.clock())
        try:
            return InvocationResult(True, self.answer(delivered["Records"]))
        except RuntimeError as error:
            return InvocationResult(False, None, type(error).__name__, str(error))

    @property
    def records(self) -> list[dict[str, Any]]:
        return [record for event in self.events for record in event["Records"]]


def fail(records: list[dict[str, Any]]) -> object:
    raise RuntimeError("failing on purpose")


def run_source(
    directory: Path,
    config: MappingConfig,
    source: ShardSource,
    shard_id: str,
    function: Capture,
    clock: VirtualClock,
    until: Callable[[], bool],
    sqs: RecordingSqs | None = None,
) -> RecordingSqs:
    """One poller on `source` in virtual time until `until()`; the on-failure messages."""
    sqs = sqs or RecordingSqs()
    stop = VirtualStop(clock, until, budget=600)
    ShardPoller(
        config,
        source,
        shard_id,
        Position(),
        function,
        FUNCTION_ARN,
        CheckpointStore(directory),
        sqs.destination(),
        MappingStats(),
        stop,
        clock=clock,
    ).run()
    assert not stop.exhausted
    return sqs


# --- Kinesis events ---------------------------------------------------------------------------


def test_a_kinesis_event_is_shaped_as_on_aws(checkpoint_dir: Path):
    clock = VirtualClock(EPOCH + 0.987)
    kinesis = KinesaliteKinesis(clock)
    put = kinesis.put(b"Hello, this is a test.")
    config = mapping_config(kinesis.arn, region=REGION)
    function = Capture(clock=clock)
    source = KinesisSource(kinesis, kinesis.arn, region=REGION)
    run_source(checkpoint_dir, config, source, kinesis.shard_id, function, clock, lambda: True)
    expected = fixture("kinesis-event.json")
    assert_shaped_like(function.events[0], expected)
    [record] = function.records
    assert record["kinesis"]["data"] == expected["Records"][0]["kinesis"]["data"]
    assert record["kinesis"]["approximateArrivalTimestamp"] == EPOCH + 0.987
    assert record["eventID"] == f"{kinesis.shard_id}:{put['SequenceNumber']}"
    # the stack's region, not the emulator's
    assert record["awsRegion"] == REGION
    assert record["eventSourceARN"] == kinesis.arn.replace(":us-east-1:", f":{REGION}:")


# --- DynamoDB stream events -------------------------------------------------------------------


def dynamodb_run(
    directory: Path, clock: VirtualClock, streams: DynamoDBLocalStreams, **settings: Any
) -> tuple[Capture, RecordingSqs, Callable[[Callable[[], bool]], object]]:
    """A function and an on-failure queue for a mapping on `streams`, and how to run it."""
    function = Capture(settings.pop("answer", lambda records: None), clock=clock)
    config = mapping_config(streams.arn, SourceKind.DYNAMODB, region=REGION, **settings)
    source = DynamoDBStreamSource(streams, streams.arn, region=REGION, clock=clock)
    sqs = RecordingSqs()

    def run(until: Callable[[], bool]) -> object:
        shard = streams.shard_id
        return run_source(directory, config, source, shard, function, clock, until, sqs)

    return function, sqs, run


def test_a_dynamodb_stream_event_is_shaped_as_on_aws(checkpoint_dir: Path):
    """Every attribute-value type, old and new image, read from DynamoDB Local's answer (binary
    as bytes, the minute, region ddblocal) and delivered as AWS delivers it."""
    expected = fixture("dynamodb-event.json")
    items = fixture_items(expected["Records"][0])
    clock = VirtualClock(EPOCH + 41.3)
    streams = DynamoDBLocalStreams(clock)
    streams.write("MODIFY", items["Keys"], new=items["NewImage"], old=items["OldImage"])
    function, _, run = dynamodb_run(checkpoint_dir, clock, streams)
    run(lambda: bool(function.events))

    [record] = function.records
    assert_shaped_like(function.events[0], expected, same_items=True)
    body = record["dynamodb"]
    # binary as base64 text, never the Python text of bytes ("b'foobar'")
    assert body["NewImage"]["Data"] == {"B": "Zm9vYmFy"}
    assert sorted(body["NewImage"]["Blobs"]["BS"]) == ["YmFy", "Zm9v"]
    parsed = parse_stream_record(body)
    for image in ("Keys", "NewImage", "OldImage"):
        assert python_image(parsed[image]) == items[image]
    assert record["awsRegion"] == REGION
    assert record["eventSourceARN"] == streams.arn.replace(":ddblocal:", f":{REGION}:")


def test_binary_attributes_reach_the_function_as_base64(checkpoint_dir: Path):
    clock = VirtualClock()
    streams = DynamoDBLocalStreams(clock)
    key = {"Id": 1}
    item = {"Id": 1, "B": b"foobar", "BS": {b"\x00", b"\xff\xfe"}, "L": [b"\x01"], "M": {"b": b""}}
    streams.write("INSERT", key, new=item)
    function, _, run = dynamodb_run(checkpoint_dir, clock, streams)
    run(lambda: bool(function.events))
    image = function.records[0]["dynamodb"]["NewImage"]
    assert image["B"] == {"B": "Zm9vYmFy"}
    assert sorted(image["BS"]["BS"]) == sorted(["AA==", "//4="])
    assert image["L"] == {"L": [{"B": "AQ=="}]}
    assert image["M"] == {"M": {"b": {"B": ""}}}


def test_the_creation_time_is_when_the_record_was_first_read_not_dynamodb_locals_minute(
    checkpoint_dir: Path,
):
    clock = VirtualClock(EPOCH + 41.3)  # 00:00:41.3; DynamoDB Local says 00:00:00
    streams = DynamoDBLocalStreams(clock)
    streams.write("INSERT", {"Id": 1}, new={"Id": 1})
    function, _, run = dynamodb_run(checkpoint_dir, clock, streams)
    run(lambda: bool(function.events))
    created = function.records[0]["dynamodb"]["ApproximateCreationDateTime"]
    assert isinstance(created, float)  # epoch seconds with a fraction, as AWS sends
    written = streams.written_at[0]
    assert written <= created <= written + 0.25  # within one poll (DynamoDB streams: 4 a second)


def test_the_on_failure_record_and_the_age_rule_use_the_first_read_time(checkpoint_dir: Path):
    """MaximumRecordAgeInSeconds 60 for a record written at 00:00:50: DynamoDB Local's minute
    (00:00:00) would make it too old at 00:01:00, after 10 s; it is given up only once it is
    60 s old, and the on-failure record dates it 00:00:50 (whole seconds, as AWS writes it)."""
    clock = VirtualClock(EPOCH + 50.2)
    streams = DynamoDBLocalStreams(clock)
    streams.write("INSERT", {"Id": 1}, new={"Id": 1})
    function, sqs, run = dynamodb_run(
        checkpoint_dir, clock, streams, answer=fail, maximum_record_age_seconds=60
    )
    run(lambda: bool(sqs.messages))
    [message] = sqs.messages
    written = streams.written_at[0]
    assert message.condition == "RecordAgeExceeded"
    assert all(started - written <= 60 for started in function.started)
    assert max(function.started) > written + 60 - 1.5  # retried until then (1 s backoff at most)
    assert utc(written + 60, "milliseconds") <= message.body["timestamp"]
    info = message.batch_info
    assert info["approximateArrivalOfFirstRecord"] == "2026-01-01T00:00:50Z"
    assert message.body["responseContext"]["functionError"] == "Unhandled"


@pytest.mark.parametrize(
    ("reported", "first_read", "estimate"),
    [
        (EPOCH, EPOCH + 41.3, EPOCH + 41.3),  # the minute, read live: when first read
        (EPOCH, EPOCH + 200.0, EPOCH + 60),  # the minute, read long after: its end
        (EPOCH + 7, EPOCH + 7.4, EPOCH + 7.4),  # whole seconds: within the second
        (EPOCH + 7, EPOCH + 9.0, EPOCH + 8),
        (EPOCH + 7.25, EPOCH + 9.0, EPOCH + 7.25),  # a precise time is the service's own
    ],
)
def test_creation_time_bounds(reported: float, first_read: float, estimate: float):
    assert creation_time(reported, first_read) == estimate


# --- on-failure records -------------------------------------------------------------------------


def test_a_kinesis_on_failure_record_is_shaped_as_on_aws(rig: Rig):
    [bad] = rig.put("bad", arrival=EPOCH + 0.835)
    function = rig.function(poison("bad"))
    rig.run(rig.config(maximum_retry_attempts=0, region=REGION), function)
    [message] = rig.discarded
    assert_shaped_like(message.body, fixture("kinesis-on-failure.json"))
    context, response = message.body["requestContext"], message.body["responseContext"]
    assert response["functionError"] == "Unhandled"  # Lambda's word, not the exception's class
    assert UUID.fullmatch(context["requestId"])
    assert context["functionArn"] == FUNCTION_ARN.replace(":us-east-1:", f":{REGION}:")
    assert message.batch_info["approximateArrivalOfFirstRecord"] == "2026-01-01T00:00:00.835Z"
    assert message.batch_info["streamArn"] == rig.stream.arn.replace(":us-east-1:", f":{REGION}:")
    # sent when the last attempt ended
    assert message.body["timestamp"] == utc(function.calls[-1].ended, "milliseconds")
    assert bad.arrival == EPOCH + 0.835


def test_a_dynamodb_on_failure_record_is_shaped_as_on_aws(ddb_rig: Rig):
    ddb_rig.put("k1", arrival=EPOCH + 19.999)
    function = ddb_rig.function(poison("k1"))
    ddb_rig.run(ddb_rig.config(maximum_retry_attempts=0, region=REGION), function)
    [message] = ddb_rig.discarded
    assert_shaped_like(message.body, fixture("dynamodb-on-failure.json"))
    info = message.batch_info
    # whole seconds for DynamoDB streams (rounded down, as DynamoDB gives times), milliseconds
    # in the timestamp
    assert info["approximateArrivalOfFirstRecord"] == "2026-01-01T00:00:19Z"
    assert info["approximateArrivalOfLastRecord"] == "2026-01-01T00:00:19Z"
    assert message.body["timestamp"] == utc(function.calls[-1].ended, "milliseconds")
    assert message.body["responseContext"]["functionError"] == "Unhandled"


def test_a_record_reported_failed_every_time_is_delivered_5_times(rig: Rig):
    """ReportBatchItemFailures, MaximumRetryAttempts 3, r2 named in every answer: the first
    attempt, 3 retries from r2 on, then r2 alone; only r2 is given up, with functionError null
    (the function never failed), and r3, r4 are delivered."""
    records = rig.put(*(f"r{i}" for i in range(5)))
    function = rig.function(report_failures(lambda item: item.data == "r2"))
    rig.run(rig.config(batch_size=5, maximum_retry_attempts=3, region=REGION, **REPORTS), function)
    assert function.batches() == [
        ["r0", "r1", "r2", "r3", "r4"],
        *[["r2", "r3", "r4"]] * 3,
        ["r2"],
        ["r3", "r4"],
    ]
    assert sum(call.data.count("r2") for call in function.calls) == 5
    [message] = rig.discarded
    recorded = fixture("kinesis-on-failure.json")
    recorded["responseContext"]["functionError"] = None  # as recorded on AWS for this case
    assert_shaped_like(message.body, recorded)
    assert message.body["responseContext"]["functionError"] is None
    assert message.condition == "RetryAttemptsExhausted"
    assert message.attempts == 5
    assert (message.start, message.end, message.batch_size) == (
        records[2].sequence_number,
        records[2].sequence_number,
        1,
    )
    assert function.delivered() == ["r3", "r4"]  # r0, r1 done in the first, partial, call


def test_a_function_error_in_the_last_solo_attempt_is_unhandled(rig: Rig):
    rig.put("r0", "r1")
    answers = report_failures(lambda item: item.data == "r0")

    def script(request: Any) -> object:
        if request.data == ["r0"]:
            raise RuntimeError("fails alone")
        return answers(request)

    function = rig.function(script)
    rig.run(rig.config(batch_size=2, maximum_retry_attempts=0, **REPORTS), function)
    assert function.batches() == [["r0", "r1"], ["r0"], ["r1"]]
    [message] = rig.discarded
    assert message.body["responseContext"]["functionError"] == "Unhandled"
    assert message.attempts == 2


# --- the sample events in events/ ---------------------------------------------------------------


def sample_events() -> list[Path]:
    return sorted(
        path
        for path in (PROJECT_ROOT / "events").rglob("*.json")
        if "Records" in json.loads(path.read_text())
    )


@pytest.mark.parametrize("path", sample_events(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sample_events_are_shaped_as_on_aws(path: Path):
    for record in json.loads(path.read_text())["Records"]:
        name = "kinesis-event.json" if "kinesis" in record else "dynamodb-event.json"
        [expected] = fixture(name)["Records"]
        if "dynamodb" in record:
            # INSERT has no old image, REMOVE no new one
            for image in ("NewImage", "OldImage"):
                if image not in record["dynamodb"]:
                    del expected["dynamodb"][image]
        assert_shaped_like(record, expected)


# --- the worker pool ------------------------------------------------------------------------


def test_the_worker_pool_refuses_an_event_that_is_not_json(tmp_path: Path):
    """Lambda's Invoke takes JSON only; bytes were once written as "b'foobar'". Refused before a
    worker process is started."""
    pool = FunctionPool(WorkerSpec("f", "f.handler", tmp_path), {}, tmp_path)
    try:
        with pytest.raises(TypeError, match="bytes"):
            pool.invoke({"Records": [{"B": b"foobar"}]})
        assert pool.worker_pids() == []
    finally:
        pool.close()
