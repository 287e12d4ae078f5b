"""How records become batches: order, batch size, batching window, the 6 MB cap, poll rates."""

from __future__ import annotations

import pytest

from leda.triggers.config import SourceKind
from leda.triggers.policy import MAX_PAYLOAD_BYTES
from tests.triggers.conftest import Rig


def test_records_arrive_in_shard_order_in_batches_of_the_batch_size(rig: Rig):
    payloads = [f"r{i:02}" for i in range(25)]
    rig.put(*payloads)
    function = rig.function()
    rig.run(rig.config(batch_size=10), function)
    assert function.batches() == [payloads[:10], payloads[10:20], payloads[20:]]
    assert rig.stats.batches == 3 and rig.stats.records_delivered == 25


def test_without_a_window_the_records_of_one_read_are_invoked_at_once(rig: Rig):
    """Window 0 (the default): no waiting for a full batch."""
    rig.put("a", "b")
    start = rig.clock.now
    function = rig.function()
    rig.run(rig.config(batch_size=100), function)
    [call] = function.calls
    assert call.data == ["a", "b"] and call.started == start


def test_the_batching_window_flushes_fewer_records_than_the_batch_size(rig: Rig):
    config = rig.config(batch_size=100, batching_window_seconds=5)
    start = rig.clock.now
    rig.put("a", "b", "c")
    function = rig.function()
    rig.run(config, function)
    [call] = function.calls  # one invocation for the three, not three
    assert call.data == ["a", "b", "c"]
    assert start + 5 <= call.started < start + 5 + config.poll_interval


def test_records_arriving_within_the_window_join_the_batch_and_later_ones_wait(rig: Rig):
    config = rig.config(batch_size=100, batching_window_seconds=5)
    start = rig.clock.now
    rig.put("a")
    rig.clock.after(1.5, lambda: rig.put("b"))
    rig.clock.after(3.5, lambda: rig.put("c"))
    rig.clock.after(7.0, lambda: rig.put("d"))  # the first window has closed by then
    function = rig.function()
    rig.run(config, function, until=lambda: len(function.delivered()) == 4)
    assert function.batches() == [["a", "b", "c"], ["d"]]
    first, second = function.calls
    assert start + 5 <= first.started < start + 6
    assert start + 7 + 5 <= second.started < start + 7 + 6  # d's own window, from its read


def test_a_full_batch_does_not_wait_for_the_window(rig: Rig):
    start = rig.clock.now
    rig.put("a", "b", "c", "d")
    function = rig.function()
    rig.run(rig.config(batch_size=3, batching_window_seconds=300), function)
    assert function.batches() == [["a", "b", "c"], ["d"]]
    assert function.calls[0].started == start
    assert function.calls[1].started >= start + 300  # the rest waits its window


def test_a_batch_gathers_records_over_several_reads(rig: Rig):
    """A read returns at most read_limit records; the batch is filled from several reads."""
    rig.stream.read_limit = 3
    payloads = [f"r{i}" for i in range(10)]
    rig.put(*payloads)
    function = rig.function()
    rig.run(rig.config(batch_size=10, batching_window_seconds=60), function)
    assert function.batches() == [payloads]
    assert rig.stream.reads >= 4


def _big(index: int) -> str:
    # 1.6 MB of data is 2.1 MB in the event (base64): two fit in 6 MB, three do not.
    return f"{index}:" + "x" * 1_600_000


def test_a_batch_stops_at_the_6_mb_payload_limit(rig: Rig):
    records = rig.put(*(_big(i) for i in range(5)))
    sizes = [record.size for record in records]
    assert 2 * max(sizes) <= MAX_PAYLOAD_BYTES < 3 * min(sizes)
    function = rig.function()
    rig.run(rig.config(batch_size=100), function)
    assert [len(call.items) for call in function.calls] == [2, 2, 1]
    assert [item.data for call in function.calls for item in call.items] == [
        _big(i) for i in range(5)
    ]


def test_six_megabytes_buffered_invoke_before_the_window_closes(rig: Rig):
    start = rig.clock.now
    rig.put(*(_big(i) for i in range(4)))
    function = rig.function()
    rig.run(rig.config(batch_size=100, batching_window_seconds=60), function)
    first, second = function.calls
    assert len(first.items) == 2 and first.started == start  # 8.5 MB buffered: full
    assert len(second.items) == 2 and second.started >= start + 60  # 4.3 MB: waits


@pytest.mark.parametrize(
    ("kind", "per_second"), [(SourceKind.KINESIS, 1), (SourceKind.DYNAMODB, 4)]
)
def test_an_idle_shard_is_polled_at_lambdas_documented_rate(checkpoint_dir, kind, per_second):
    """Lambda polls a Kinesis shard once a second and a DynamoDB stream shard four times."""
    rig = Rig(checkpoint_dir, kind=kind)
    start = rig.clock.now
    rig.run(rig.config(), rig.function(), until=lambda: rig.clock.now >= start + 60)
    assert rig.stream.reads == 60 * per_second


def test_iterator_age_is_the_last_records_age_when_the_function_is_invoked(rig: Rig):
    """Lambda's IteratorAge: the age of the batch's last record at invocation (the live view
    shows it per trigger, as the IteratorAge alarm watches it on AWS)."""
    now = rig.clock.now
    rig.put("old", arrival=now - 90.0)
    rig.put("newer", arrival=now - 42.5)
    rig.run(rig.config(batch_size=10), rig.function())
    assert rig.stats.iterator_age_ms == 42_500
    rig.put("fresh", arrival=rig.clock.now)
    rig.run(rig.config(batch_size=10), rig.function())
    assert rig.stats.iterator_age_ms == 0
