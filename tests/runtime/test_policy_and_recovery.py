"""Trigger rules as pure decisions, and recovery of a shard after an error, with an in-memory
source (no emulator: the point is the engine's own behaviour)."""

from __future__ import annotations

import threading
import time
from typing import Any

from leda.triggers.checkpoints import CheckpointStore
from leda.triggers.config import MappingConfig, SourceKind, StartingPosition
from leda.triggers.destination import OnFailureDestination
from leda.triggers.mapping import EventSourceMapping
from leda.triggers.policy import (
    MAX_PAYLOAD_BYTES,
    Next,
    after_failure,
    batch_length,
    ready_to_invoke,
)
from leda.triggers.records import SourceRecord
from leda.triggers.sources import Shard
from leda.workers.spec import InvocationResult


def config(**settings: Any) -> MappingConfig:
    return MappingConfig(
        name="m",
        function="f",
        source_kind=SourceKind.KINESIS,
        source_arn="arn",
        starting_position=StartingPosition.TRIM_HORIZON,
        **settings,
    )


def test_splitting_does_not_spend_retries():
    bounded = config(bisect_on_error=True, maximum_retry_attempts=0)
    assert after_failure(bounded, 8, retries_done=0) is Next.BISECT  # split even with 0 retries
    assert after_failure(bounded, 1, retries_done=0) is Next.DISCARD
    assert after_failure(config(bisect_on_error=True, maximum_retry_attempts=3), 1, 2) is Next.RETRY


def test_a_partial_failure_is_retried_not_split_again():
    assert after_failure(config(bisect_on_error=True), 5, 0, may_split=False) is Next.RETRY


def test_batches_stop_at_six_megabytes():
    three_mb = 3 * 1024 * 1024
    assert batch_length(config(batch_size=100), [three_mb, three_mb, three_mb]) == 2
    assert batch_length(config(batch_size=100), [MAX_PAYLOAD_BYTES + 1]) == 1  # one always goes
    assert batch_length(config(batch_size=2), [10, 10, 10]) == 2
    assert ready_to_invoke(
        config(batch_size=100, batching_window_seconds=60),
        2,
        0.0,
        1.0,
        buffered_bytes=MAX_PAYLOAD_BYTES,
    )
    assert not ready_to_invoke(
        config(batch_size=100, batching_window_seconds=60), 2, 0.0, 1.0, buffered_bytes=10
    )


class FlakySource:
    """One shard of five records; the first read fails as a timed-out emulator would."""

    arn = "arn"

    def __init__(self) -> None:
        self.records = [SourceRecord("s", str(n), time.time(), {"n": n}, 10) for n in range(1, 6)]
        self.failures_left = 1

    def shards(self) -> list[Shard]:
        return [Shard("s", None, False)]

    def iterator(self, shard_id: str, after: str | None) -> str | None:
        return after or "0"

    def read(self, shard_id: str, iterator: str) -> tuple[list[SourceRecord], str | None]:
        if self.failures_left:
            self.failures_left -= 1
            raise TimeoutError("emulator did not answer")
        newer = [r for r in self.records if r.sequence > int(iterator)]
        return newer, newer[-1].sequence_number if newer else iterator


def test_a_shard_recovers_after_an_error_before_invocation(tmp_path):
    delivered: list[int] = []
    done = threading.Event()

    def invoke(event: dict[str, Any]) -> InvocationResult:
        delivered.extend(record["n"] for record in event["Records"])
        if len(delivered) >= 5:
            done.set()
        return InvocationResult(True)

    mapping = EventSourceMapping(
        config(batch_size=10, poll_interval_seconds=0.05),
        FlakySource(),
        invoke,
        "fn",
        CheckpointStore(tmp_path),
        OnFailureDestination(None, None),
    )
    mapping.start()
    try:
        assert done.wait(10), f"shard stalled; errors: {mapping.errors}"
    finally:
        mapping.stop()
    assert delivered == [1, 2, 3, 4, 5]
    assert len(mapping.errors) == 1  # reported, not swallowed
