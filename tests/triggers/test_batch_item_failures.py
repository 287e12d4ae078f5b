"""ReportBatchItemFailures: the checkpoint moves to the first failed record; an empty list is
success; an identifier that is not a record of the batch fails the whole batch."""

from __future__ import annotations

from typing import Any

import pytest

from leda.triggers.checkpoints import AT_HORIZON
from leda.triggers.config import REPORT_BATCH_ITEM_FAILURES
from tests.support.inline_invoke import Request, chain, in_turn, report_failures, respond
from tests.triggers.conftest import Rig

REPORTS = {"function_response_types": (REPORT_BATCH_ITEM_FAILURES,)}


def test_the_checkpoint_moves_to_the_first_failed_record(rig: Rig):
    records = rig.put(*(f"r{i}" for i in range(5)))
    config = rig.config(batch_size=5, **REPORTS)
    checkpoints: list[str] = []

    def note_checkpoint(request: Request) -> object:
        checkpoints.append(rig.position(config).done)
        return None

    function = rig.function(
        chain(note_checkpoint, report_failures(lambda item: item.data == "r2", times=1))
    )
    rig.run(config, function)
    assert function.batches() == [["r0", "r1", "r2", "r3", "r4"], ["r2", "r3", "r4"]]
    assert checkpoints == [AT_HORIZON, records[1].sequence_number]  # r0, r1 done; not resent
    assert rig.position(config).done == records[-1].sequence_number


def test_the_lowest_failed_record_wins(rig: Rig):
    rig.put(*(f"r{i}" for i in range(5)))
    function = rig.function(report_failures(lambda item: item.data in {"r3", "r1"}, times=1))
    rig.run(rig.config(batch_size=5, **REPORTS), function)
    assert function.batches()[1] == ["r1", "r2", "r3", "r4"]


@pytest.mark.parametrize(
    "response", [{"batchItemFailures": []}, {"batchItemFailures": None}, {}, None]
)
def test_an_empty_list_or_no_list_is_success(rig: Rig, response: Any):
    records = rig.put("a", "b")
    config = rig.config(batch_size=5, **REPORTS)
    function = rig.function(respond(response))
    rig.run(config, function)
    assert function.batches() == [["a", "b"]]
    assert rig.stats.failures == 0
    assert rig.position(config).done == records[-1].sequence_number


@pytest.mark.parametrize(
    "failure",
    [
        {"itemIdentifier": "not-a-sequence-number"},
        {"itemIdentifier": ""},
        {"itemIdentifier": None},
        {"itemId": "{r1}"},  # a bad key name
        {"itemIdentifier": "{after}"},  # a record of the shard, but not of this batch
    ],
)
def test_an_invalid_item_identifier_fails_the_whole_batch(rig: Rig, failure: dict[str, Any]):
    *batch, after = rig.put("r0", "r1", "r2", "after")
    names = {"r1": batch[1].sequence_number, "after": after.sequence_number}
    failure = {key: value.format(**names) if value else value for key, value in failure.items()}
    function = rig.function(in_turn(respond({"batchItemFailures": [failure]})))
    rig.run(rig.config(batch_size=3, **REPORTS), function)
    assert function.batches() == [["r0", "r1", "r2"], ["r0", "r1", "r2"], ["after"]]
    assert rig.stats.failures == 1


def test_a_partial_failure_is_retried_from_the_failed_record_not_bisected(rig: Rig):
    rig.put(*(f"r{i}" for i in range(8)))
    function = rig.function(report_failures(lambda item: item.data == "r5", times=1))
    rig.run(rig.config(batch_size=8, bisect_on_error=True, **REPORTS), function)
    assert function.batches() == [[f"r{i}" for i in range(8)], ["r5", "r6", "r7"]]
    assert rig.stats.bisects == 0


def test_partial_failures_spend_retries_then_the_failed_record_alone_is_given_up(rig: Rig):
    """The retries spent, the first failed record gets a last attempt on its own and only it
    goes to the on-failure destination; the records after it are delivered (the accounting is
    in test_aws_shapes.py::test_a_record_reported_failed_every_time_is_delivered_5_times)."""
    records = rig.put(*(f"r{i}" for i in range(5)), "next")
    function = rig.function(report_failures(lambda item: item.data == "r2"))
    rig.run(rig.config(batch_size=5, maximum_retry_attempts=1, **REPORTS), function)
    assert function.batches() == [
        ["r0", "r1", "r2", "r3", "r4"],
        ["r2", "r3", "r4"],  # the one retry
        ["r2"],  # the last attempt, alone
        ["r3", "r4"],  # the rest goes on
        ["next"],
    ]
    [message] = rig.discarded
    assert message.condition == "RetryAttemptsExhausted"
    assert (message.start, message.end, message.batch_size) == (
        records[2].sequence_number,
        records[2].sequence_number,
        1,
    )


def test_without_the_setting_a_reported_failure_is_ignored(rig: Rig):
    """A function naming failed items behind a mapping without ReportBatchItemFailures has
    succeeded, as on Lambda: the whole batch is done."""
    records = rig.put("r0", "r1", "r2")
    config = rig.config(batch_size=3)
    function = rig.function(report_failures(lambda item: item.data == "r1"))
    rig.run(config, function)
    assert function.batches() == [["r0", "r1", "r2"]]
    assert rig.position(config).done == records[-1].sequence_number
