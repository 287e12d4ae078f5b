"""A function error: the same batch again, until retries or record age run out; then the batch's
metadata goes to the on-failure destination and the shard moves on. Bisect splits first."""

from __future__ import annotations

import datetime as dt

from tests.support.inline_invoke import fail_times, poison
from tests.triggers.conftest import FUNCTION_ARN, Rig


def test_a_failed_batch_is_retried_with_the_same_records_in_the_same_order(rig: Rig):
    payloads = [f"r{i}" for i in range(5)]
    rig.put(*payloads)
    rig.clock.after(0.5, lambda: rig.put("late"))  # arrives while the first attempt runs
    function = rig.function(fail_times(2), duration=1.0)
    rig.run(rig.config(batch_size=10), function)
    assert [call.ok for call in function.calls] == [False, False, True, True]
    first = function.calls[0]
    assert [call.items for call in function.calls[:3]] == [first.items] * 3
    assert first.data == payloads  # "late" did not join the batch being retried
    assert function.calls[3].data == ["late"]
    assert rig.discarded == []


def test_without_a_retry_limit_a_batch_is_retried_until_it_succeeds(rig: Rig):
    """MaximumRetryAttempts defaults to -1: retry until the records expire (here: never)."""
    rig.put("a", "b")
    function = rig.function(fail_times(40))
    rig.run(rig.config(), function)
    assert len(function.calls) == 41
    assert function.delivered() == ["a", "b"]
    assert rig.discarded == [] and rig.stats.retries == 40


def test_retries_exhausted_send_the_batch_metadata_to_the_destination_and_the_shard_moves_on(
    rig: Rig,
):
    records = rig.put("a", "bad", "c")
    function = rig.function(poison("bad"))
    config = rig.config(batch_size=1, maximum_retry_attempts=2)
    rig.run(config, function)
    assert function.delivered() == ["a", "c"]
    assert function.batches().count(["bad"]) == 3  # the first attempt and 2 retries
    [message] = rig.discarded
    bad = records[1]
    assert message.condition == "RetryAttemptsExhausted"
    assert message.attempts == 3
    assert (message.shard_id, message.start, message.end, message.batch_size) == (
        rig.shard,
        bad.sequence_number,
        bad.sequence_number,
        1,
    )
    info = message.batch_info
    assert info["streamArn"] == rig.stream.arn
    assert dt.datetime.fromisoformat(info["approximateArrivalOfFirstRecord"]).timestamp() == (
        bad.arrival
    )
    assert message.body["requestContext"]["functionArn"] == FUNCTION_ARN
    # Lambda's X-Amz-Function-Error for any error, not the exception's class (FunctionError)
    assert message.body["responseContext"]["functionError"] == "Unhandled"
    assert "records" not in message.body and "Records" not in message.body  # metadata only
    assert rig.position(config).done == records[-1].sequence_number


def test_a_discarded_batch_is_described_by_its_whole_sequence_range(rig: Rig):
    records = rig.put("a", "b", "c", "d")
    function = rig.function(poison("b"))
    rig.run(rig.config(batch_size=3, maximum_retry_attempts=1), function)
    [message] = rig.discarded
    assert (message.start, message.end, message.batch_size) == (
        records[0].sequence_number,
        records[2].sequence_number,
        3,
    )
    assert function.delivered() == ["d"]


def test_zero_retries_means_one_attempt(rig: Rig):
    rig.put("bad", "next")
    function = rig.function(poison("bad"))
    rig.run(rig.config(batch_size=1, maximum_retry_attempts=0), function)
    assert function.batches() == [["bad"], ["next"]]
    [message] = rig.discarded
    assert message.attempts == 1


def test_a_dynamodb_stream_batch_is_described_as_ddb_stream_batch_info(ddb_rig: Rig):
    records = ddb_rig.put("k1", "k2")
    function = ddb_rig.function(poison("k1"))
    ddb_rig.run(ddb_rig.config(batch_size=1, maximum_retry_attempts=0), function)
    [message] = ddb_rig.discarded
    assert "DDBStreamBatchInfo" in message.body and "KinesisBatchInfo" not in message.body
    assert message.start == records[0].sequence_number
    assert message.batch_info["streamArn"] == ddb_rig.stream.arn
    assert function.delivered() == ["k2"]


def test_records_past_the_maximum_age_are_discarded_even_with_unlimited_retries(rig: Rig):
    start = rig.clock.now
    records = rig.put("a", "b")
    rig.clock.after(100, lambda: rig.put("c"))
    function = rig.function(poison("a"), duration=5.0)
    config = rig.config(batch_size=10, maximum_record_age_seconds=60)
    rig.run(config, function, until=lambda: function.delivered() == ["c"])
    tries = [call for call in function.calls if "a" in call.data]
    assert all(call.started - start <= 60 for call in tries)  # never invoked once too old
    assert tries[-1].started > 60 - 5 - 1  # ... and retried until then (5 s calls, 1 s backoff)
    [message] = rig.discarded
    assert message.condition == "RecordAgeExceeded"
    assert (message.start, message.end) == (records[0].sequence_number, records[1].sequence_number)
    assert message.attempts == len(tries)


def test_records_already_too_old_when_read_go_to_the_destination_without_an_invocation(rig: Rig):
    old = rig.put("old", arrival=rig.clock.now - 120)
    rig.put("fresh")
    function = rig.function()
    rig.run(rig.config(batch_size=10, maximum_record_age_seconds=60), function)
    assert function.batches() == [["fresh"]]
    [message] = rig.discarded
    assert message.condition == "RecordAgeExceeded"
    assert (message.start, message.end, message.attempts) == (
        old[0].sequence_number,
        old[0].sequence_number,
        0,
    )


def test_bisect_isolates_the_bad_record_and_bounded_retries_discard_it(rig: Rig):
    payloads = [f"r{i}" for i in range(8)]
    records = rig.put(*payloads)
    function = rig.function(poison("r3"))
    rig.run(rig.config(batch_size=8, bisect_on_error=True, maximum_retry_attempts=4), function)
    assert (
        function.batches()
        == [
            payloads,
            payloads[:4],  # halves, first half first
            payloads[:2],
            payloads[2:4],
            ["r2"],
            *[["r3"]] * 5,  # alone: the first attempt and 4 retries
            payloads[4:],
        ]
    )
    assert function.delivered() == [p for p in payloads if p != "r3"]  # each exactly once
    [message] = rig.discarded
    assert (message.start, message.end, message.batch_size) == (
        records[3].sequence_number,
        records[3].sequence_number,
        1,
    )
    assert rig.stats.bisects == 3


def test_splitting_does_not_spend_retries(rig: Rig):
    """With MaximumRetryAttempts 0, a batch is still split down to its bad record; only that
    record is discarded, not the whole batch."""
    payloads = [f"r{i}" for i in range(8)]
    records = rig.put(*payloads)
    function = rig.function(poison("r5"))
    rig.run(rig.config(batch_size=8, bisect_on_error=True, maximum_retry_attempts=0), function)
    assert function.delivered() == [p for p in payloads if p != "r5"]
    assert function.batches().count(["r5"]) == 1
    [message] = rig.discarded
    assert message.start == message.end == records[5].sequence_number


def test_bisect_finds_every_bad_record(rig: Rig):
    payloads = [f"r{i}" for i in range(16)]
    rig.put(*payloads)
    function = rig.function(poison("r1", "r2", "r13"))
    rig.run(rig.config(batch_size=16, bisect_on_error=True, maximum_retry_attempts=0), function)
    assert function.delivered() == [p for p in payloads if p not in {"r1", "r2", "r13"}]
    assert [message.batch_size for message in rig.discarded] == [1, 1, 1]


def test_a_dynamodb_stream_batch_is_retried_alike(ddb_rig: Rig):
    """The retry rules do not depend on the source."""
    ddb_rig.put("k1", "k2", "k3")
    function = ddb_rig.function(fail_times(3))
    ddb_rig.run(ddb_rig.config(batch_size=2), function)
    assert function.batches() == [["k1", "k2"]] * 4 + [["k3"]]
