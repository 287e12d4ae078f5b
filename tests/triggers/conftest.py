"""Two ways to run the trigger engine with nothing but Python.

`rig`: one ShardPoller on a memory stream, in virtual time, in the test's own thread. Waits pass
no real time, so batching windows, retry backoff and record ages are exact and instant.

`live`: a whole EventSourceMapping (shard discovery, a thread per shard, restarts) on a memory
stream, in real time with millisecond intervals, for the rules that live in the mapping.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from leda.triggers import mapping as mapping_module
from leda.triggers.checkpoints import CheckpointStore, Position
from leda.triggers.config import MappingConfig, SourceKind
from leda.triggers.mapping import EventSourceMapping
from leda.triggers.poller import Invoke, MappingStats, ShardPoller
from leda.triggers.records import SourceRecord
from tests.support.inline_invoke import Call, InlineFunction, Script
from tests.support.memory_destination import FailureMessage, RecordingSqs
from tests.support.memory_shards import MemoryStream
from tests.support.virtual_time import VirtualClock, VirtualStop

FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:inline"


def mapping_config(
    arn: str, kind: SourceKind = SourceKind.KINESIS, **settings: Any
) -> MappingConfig:
    """A mapping as the tests want it by default: from the horizon, with Lambda's defaults."""
    defaults: dict[str, Any] = {"starting_position": "TRIM_HORIZON"}
    return MappingConfig(
        name=f"m-{uuid.uuid4().hex[:6]}",
        function="inline",
        source_kind=kind,
        source_arn=arn,
        **{**defaults, **settings},
    )


@dataclass
class Rig:
    """A memory stream with one shard, and what a poller on it needs, in virtual time."""

    directory: Path  # of the checkpoints
    kind: SourceKind = SourceKind.KINESIS
    clock: VirtualClock = field(default_factory=VirtualClock)
    sqs: RecordingSqs = field(default_factory=RecordingSqs)
    stats: MappingStats = field(default_factory=MappingStats)
    timeline: list[Call | FailureMessage] = field(default_factory=list)
    checkpoints: CheckpointStore = field(init=False)
    stream: MemoryStream = field(init=False)
    shard: str = field(init=False)
    stop: VirtualStop | None = None  # the running poller's, so a script can stop the runtime

    def __post_init__(self) -> None:
        self.checkpoints = CheckpointStore(self.directory)
        self.stream = MemoryStream(self.kind, clock=self.clock)
        self.shard = self.stream.add_shard()
        self.sqs.on_message = self.timeline.append

    def config(self, **settings: Any) -> MappingConfig:
        return mapping_config(self.stream.arn, self.kind, **settings)

    def restart(self) -> None:
        """What survives a restart of the runtime: the checkpoint files, read by a new store."""
        self.checkpoints = CheckpointStore(self.directory)

    def function(self, script: Script | None = None, duration: float = 0.0) -> InlineFunction:
        """A function whose calls take `duration` virtual seconds."""
        return InlineFunction(
            script,
            clock=self.clock,
            duration=duration,
            pause=self.clock.advance,
            on_call=self.timeline.append,
        )

    def put(self, *data: str | bytes, arrival: float | None = None) -> list[SourceRecord]:
        return self.stream.put(self.shard, *data, arrival=arrival)

    def position(self, config: MappingConfig) -> Position:
        return self.checkpoints.load(config.name).get(self.shard, Position())

    def caught_up(self, config: MappingConfig) -> Callable[[], bool]:
        """True once the checkpoint is at the shard's last record."""

        def done() -> bool:
            records = self.stream.records(self.shard)
            return not records or self.position(config).done == records[-1].sequence_number

        return done

    def poller(self, config: MappingConfig, invoke: Invoke, stop: VirtualStop) -> ShardPoller:
        """A poller resuming from the saved checkpoint, as the mapping makes one."""
        return ShardPoller(
            config,
            self.stream,
            self.shard,
            self.position(config),
            invoke,
            FUNCTION_ARN,
            self.checkpoints,
            self.sqs.destination(),
            self.stats,
            stop,
            clock=self.clock,
        )

    def run(
        self,
        config: MappingConfig,
        invoke: Invoke,
        until: Callable[[], bool] | None = None,
        budget: float = 3_600.0,
    ) -> VirtualStop:
        """Poll until `until()` (by default: caught up with the shard) or the shard is finished;
        fail if `budget` virtual seconds pass first."""
        stop = VirtualStop(self.clock, until or self.caught_up(config), budget)
        self.stop = stop
        poller = self.poller(config, invoke, stop)
        poller.run()
        assert not stop.exhausted, f"no progress in {budget} virtual seconds: {self.timeline}"
        return stop

    @property
    def discarded(self) -> list[FailureMessage]:
        return self.sqs.messages


@contextlib.contextmanager
def scratch_directory() -> Iterator[Path]:
    """A directory for checkpoints, on tmpfs where the machine has one: the store fsyncs every
    save, which costs about 0.5 ms on a disk and nothing in memory."""
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as name:
        yield Path(name)


@pytest.fixture
def checkpoint_dir() -> Iterator[Path]:
    with scratch_directory() as directory:
        yield directory


@pytest.fixture
def rig(checkpoint_dir: Path) -> Rig:
    return Rig(checkpoint_dir)


@pytest.fixture
def ddb_rig(checkpoint_dir: Path) -> Rig:
    return Rig(checkpoint_dir, kind=SourceKind.DYNAMODB)


# --- a whole mapping, in real time -------------------------------------------------------

FAST_POLL_SECONDS = 0.002


class Live:
    """EventSourceMapping instances on one memory stream and one checkpoint directory."""

    def __init__(self, checkpoint_dir: Path) -> None:
        self.stream = MemoryStream()
        self.sqs = RecordingSqs()
        self.checkpoints = CheckpointStore(checkpoint_dir)
        self.mappings: list[EventSourceMapping] = []

    def config(self, **settings: Any) -> MappingConfig:
        return mapping_config(
            self.stream.arn, **{"poll_interval_seconds": FAST_POLL_SECONDS, **settings}
        )

    def start(self, config: MappingConfig, invoke: Invoke) -> EventSourceMapping:
        mapping = EventSourceMapping(
            config, self.stream, invoke, FUNCTION_ARN, self.checkpoints, self.sqs.destination()
        )
        mapping.start()
        self.mappings.append(mapping)
        return mapping

    def stop(self) -> None:
        for mapping in self.mappings:
            mapping.stop()
        self.mappings = []

    @staticmethod
    def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("condition not met in time")
            time.sleep(0.001)


@pytest.fixture
def live(checkpoint_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    # Discovery and restart pauses of a second are right for a runtime, too slow for a test.
    monkeypatch.setattr(mapping_module, "SHARD_DISCOVERY_SECONDS", 0.002)
    monkeypatch.setattr(mapping_module, "RESTART_DELAY_SECONDS", 0.002)
    harness = Live(checkpoint_dir)
    yield harness
    harness.stop()
