"""Checkpoints across a restart of the runtime, and iterators that stop working.

A restart here is what the mapping does on start: a new poller from the saved checkpoints, read
by a new CheckpointStore on the same directory. The whole mapping restarting is in
test_mapping.py.
"""

from __future__ import annotations

from tests.support.inline_invoke import Request, fail_times, in_turn, succeed
from tests.triggers.conftest import Rig


def test_checkpoints_survive_a_restart(rig: Rig):
    config = rig.config(batch_size=10)
    rig.put("a", "b")
    before = rig.function()
    rig.run(config, before)
    rig.restart()
    rig.put("c", "d")
    after = rig.function()
    rig.run(config, after)
    assert before.batches() == [["a", "b"]]
    assert after.batches() == [["c", "d"]]  # nothing delivered twice


def test_a_batch_in_flight_at_a_restart_is_delivered_again_exactly(rig: Rig):
    """Map and Reduce are idempotent per batch hash: after a restart the batch that was in
    flight must come back with the same records, not merged with what arrived meanwhile."""
    config = rig.config(batch_size=100)
    records = rig.put("r0", "r1", "r2")
    failing = rig.function(fail_times(1000))
    rig.run(config, failing, until=lambda: len(failing.calls) >= 2)
    assert rig.position(config).in_flight_end == records[-1].sequence_number
    rig.restart()
    rig.put("r3", "r4")
    after = rig.function()
    rig.run(config, after)
    assert failing.batches() == [["r0", "r1", "r2"]] * 2
    assert after.batches() == [["r0", "r1", "r2"], ["r3", "r4"]]


def test_a_runtime_stopped_during_an_invocation_delivers_that_batch_again(rig: Rig):
    """The function finished but the runtime stopped before recording it: at-least-once, so
    the same batch comes again; the checkpoint never claims more than was recorded."""
    config = rig.config(batch_size=2)
    records = rig.put("r0", "r1", "r2", "r3")

    def stop_the_runtime(request: Request) -> object:
        assert rig.stop is not None
        rig.stop.set()
        return None

    interrupted = rig.function(in_turn(succeed, stop_the_runtime))
    rig.run(config, interrupted, until=lambda: False)
    assert interrupted.batches() == [["r0", "r1"], ["r2", "r3"]]
    assert rig.position(config).done == records[1].sequence_number
    rig.restart()
    after = rig.function()
    rig.run(config, after)
    assert after.batches() == [["r2", "r3"]]


def test_a_partly_done_batch_in_flight_comes_back_without_its_done_records(rig: Rig):
    """With ReportBatchItemFailures, the records before the first failure are done; a restart
    during the retry replays exactly the rest of the batch, nothing more."""
    config = rig.config(batch_size=5, function_response_types=("ReportBatchItemFailures",))
    records = rig.put(*(f"r{i}" for i in range(5)))

    def fail_from_r2(request: Request) -> object:
        return {"batchItemFailures": [{"itemIdentifier": records[2].sequence_number}]}

    partial = rig.function(fail_from_r2)
    rig.run(config, partial, until=lambda: len(partial.calls) >= 1)
    rig.restart()
    rig.put("r5")
    after = rig.function()
    rig.run(config, after)
    assert after.batches() == [["r2", "r3", "r4"], ["r5"]]


def test_an_expired_iterator_is_replaced_without_losing_or_repeating_records(rig: Rig):
    rig.stream.read_limit = 2
    payloads = [f"r{i}" for i in range(12)]
    rig.put(*payloads[:6])

    def expire_and_write(request: Request) -> object:
        rig.stream.expire_iterators()
        if request.number == 1:
            rig.put(*payloads[6:])
        return None

    function = rig.function(expire_and_write)
    # a window, so batches of 3 gather over reads of 2 and records wait in the buffer
    rig.run(rig.config(batch_size=3, batching_window_seconds=1), function)
    assert function.delivered() == payloads
    assert all(len(call.items) <= 3 for call in function.calls)
    assert rig.stream.expired_reads >= 2  # the path under test was taken
