"""Rules that live in EventSourceMapping, run whole (discovery, a thread per shard, restarts)
in real time with millisecond intervals: parents before children, one batch in flight per
shard, the starting position, and restarts from saved checkpoints."""

from __future__ import annotations

import threading

from tests.support.inline_invoke import Call, InlineFunction, Request
from tests.triggers.conftest import Live


def _order_by_shard(calls: list[Call]) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    for call in calls:
        for item in call.items:
            seen.setdefault(item.shard_id, []).append(item.data)
    return seen


def test_a_parent_shard_is_finished_before_its_children_start(live: Live):
    stream = live.stream
    parent = stream.add_shard("shardId-parent")
    stream.put(parent, "p0", "p1", "p2")
    stream.close(parent)  # split in two
    left = stream.add_shard("shardId-left", parent=parent)
    right = stream.add_shard("shardId-right", parent=parent)
    stream.put(left, "l0", "l1")
    stream.put(right, "r0", "r1")
    function = InlineFunction(duration=0.005)  # slow enough for children to overtake, if let
    live.start(live.config(batch_size=1), function)
    live.wait_for(lambda: len(function.delivered()) == 7)
    parents = [call for call in function.calls if call.shard_id == parent]
    children = [call for call in function.calls if call.shard_id != parent]
    assert min(call.started for call in children) >= max(call.ended for call in parents)
    assert _order_by_shard(function.calls) == {
        parent: ["p0", "p1", "p2"],
        left: ["l0", "l1"],
        right: ["r0", "r1"],
    }


def test_generations_of_shards_are_read_in_turn(live: Live):
    stream = live.stream
    grandparent = stream.add_shard("shardId-0")
    parent = stream.add_shard("shardId-1", parent=grandparent)
    child = stream.add_shard("shardId-2", parent=parent)
    for shard, data in [(child, "c"), (parent, "p"), (grandparent, "g")]:
        stream.put(shard, data)
    stream.close(grandparent)
    stream.close(parent)
    function = InlineFunction()
    live.start(live.config(), function)
    live.wait_for(lambda: len(function.delivered()) == 3)
    assert function.delivered() == ["g", "p", "c"]


def test_a_child_whose_parent_is_gone_starts_at_once(live: Live):
    """A parent trimmed from the stream (past retention) is not listed: nothing to wait for."""
    child = live.stream.add_shard("shardId-child", parent="shardId-trimmed")
    live.stream.put(child, "a")
    function = InlineFunction()
    live.start(live.config(), function)
    live.wait_for(lambda: function.delivered() == ["a"])


def test_one_batch_in_flight_per_shard_while_shards_run_side_by_side(live: Live):
    shards = [live.stream.add_shard() for _ in range(3)]
    for shard in shards:
        live.stream.put(shard, *(f"{shard[-1]}-{i}" for i in range(4)))
    function = InlineFunction(duration=0.01)
    live.start(live.config(batch_size=1), function)
    live.wait_for(lambda: len(function.delivered()) == 12)
    assert dict(function.peak_in_flight_per_shard) == dict.fromkeys(shards, 1)
    assert function.peak_in_flight > 1  # shards overlapped, so a second batch could have too
    assert _order_by_shard(function.calls) == {
        shard: [f"{shard[-1]}-{i}" for i in range(4)] for shard in shards
    }


def test_trim_horizon_starts_at_the_oldest_record(live: Live):
    shard = live.stream.add_shard()
    live.stream.put(shard, "old0", "old1")
    function = InlineFunction()
    live.start(live.config(starting_position="TRIM_HORIZON"), function)
    live.stream.put(shard, "new")
    live.wait_for(lambda: len(function.delivered()) == 3)
    assert function.delivered() == ["old0", "old1", "new"]


def test_latest_skips_what_was_there_before_the_mapping_and_holds_across_restart(live: Live):
    shard = live.stream.add_shard()
    live.stream.put(shard, "before")
    config = live.config(starting_position="LATEST")
    first = InlineFunction()
    live.start(config, first)
    live.stream.put(shard, "after")
    live.wait_for(lambda: first.delivered() == ["after"])
    live.stop()
    live.stream.put(shard, "while-down")
    second = InlineFunction()
    live.start(config, second)  # resumes where it was, not at a new "latest"
    live.wait_for(lambda: second.delivered() == ["while-down"])
    assert first.batches() == [["after"]] and second.batches() == [["while-down"]]


def test_latest_on_an_empty_shard_delivers_the_first_record_written(live: Live):
    shard = live.stream.add_shard()
    function = InlineFunction()
    live.start(live.config(starting_position="LATEST"), function)
    live.stream.put(shard, "first")
    live.wait_for(lambda: function.delivered() == ["first"])


def test_checkpoints_survive_a_restart(live: Live):
    shard = live.stream.add_shard()
    config = live.config(batch_size=10)
    live.stream.put(shard, "a", "b")
    first = InlineFunction()
    live.start(config, first)
    live.wait_for(lambda: first.delivered() == ["a", "b"])
    live.stop()
    live.stream.put(shard, "c", "d")
    second = InlineFunction()
    live.start(config, second)  # same mapping name, same checkpoint directory
    live.wait_for(lambda: second.delivered() == ["c", "d"])
    assert second.batches() == [["c", "d"]]


def test_a_batch_in_flight_when_the_mapping_stops_is_delivered_again_exactly(live: Live):
    shard = live.stream.add_shard()
    config = live.config(batch_size=100)
    live.stream.put(shard, "r0", "r1", "r2")
    running, release = threading.Event(), threading.Event()

    def hold(request: Request) -> object:
        running.set()
        release.wait(5)
        return None

    first = InlineFunction(hold)
    mapping = live.start(config, first)
    assert running.wait(5)
    mapping.signal_stop()  # the runtime stops while the function runs
    release.set()
    live.stop()
    live.stream.put(shard, "r3", "r4")
    second = InlineFunction()
    live.start(config, second)
    live.wait_for(lambda: len(second.delivered()) == 5)
    assert second.batches() == [["r0", "r1", "r2"], ["r3", "r4"]]


def test_a_shard_recovers_after_an_error_before_invocation(live: Live):
    """A read that fails (an emulator timing out) restarts the shard's poller from its
    checkpoint; the error is reported, not swallowed."""
    shard = live.stream.add_shard()
    live.stream.put(shard, *(f"r{i}" for i in range(5)))
    live.stream.fail_reads(TimeoutError("emulator did not answer"))
    function = InlineFunction()
    mapping = live.start(live.config(batch_size=10), function)
    live.wait_for(lambda: len(function.delivered()) == 5)
    assert function.delivered() == [f"r{i}" for i in range(5)]
    assert len(mapping.errors) == 1 and "TimeoutError" in mapping.errors[0]
