"""An event source mapping: discovers shards and runs a poller per shard, parents first."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

from leda.triggers.checkpoints import CheckpointStore, Position
from leda.triggers.config import MappingConfig, SourceKind
from leda.triggers.destination import OnFailureDestination
from leda.triggers.poller import Invoke, MappingStats, ShardPoller, initial_positions
from leda.triggers.sources import DynamoDBStreamSource, KinesisSource, ShardSource

log = logging.getLogger(__name__)
SHARD_DISCOVERY_SECONDS = 1.0
RESTART_DELAY_SECONDS = 1.0


class EventSourceMapping:
    def __init__(
        self,
        config: MappingConfig,
        source: ShardSource,
        invoke: Invoke,
        function_arn: str,
        checkpoints: CheckpointStore,
        destination: OnFailureDestination,
        journal_path: Path | None = None,
    ) -> None:
        self.config = config
        self._journal_path = journal_path
        self._journal_lock = threading.Lock()
        self.stats = MappingStats()
        self._source = source
        self._invoke = invoke
        self._function_arn = function_arn
        self._checkpoints = checkpoints
        self._destination = destination
        self._stop = threading.Event()
        self._pollers: dict[str, ShardPoller] = {}
        self._threads: list[threading.Thread] = []
        self._thread: threading.Thread | None = None
        self.errors: list[str] = []

    def start(self) -> None:
        positions = self._checkpoints.load(self.config.name)
        if not positions:  # a new mapping: fix its starting position in every shard now
            shards = [shard.shard_id for shard in self._source.shards()]
            for shard_id, sequence in initial_positions(self.config, self._source, shards).items():
                self._checkpoints.save(self.config.name, shard_id, sequence)
        self._thread = threading.Thread(
            target=self._discover, name=f"poller {self.config.name} shard discovery", daemon=True
        )
        self._thread.start()

    def _discover(self) -> None:
        while not self._stop.is_set():
            try:
                self._start_ready_shards()
            except Exception as error:  # an emulator going away at shutdown, mostly
                if not self._stop.is_set():
                    self.errors.append(repr(error))
                    log.exception("shard discovery failed for %s", self.config.name)
            self._stop.wait(SHARD_DISCOVERY_SECONDS)

    def _start_ready_shards(self) -> None:
        shards = self._source.shards()
        known = {shard.shard_id for shard in shards}
        positions = self._checkpoints.load(self.config.name)
        for shard in shards:
            if shard.shard_id in self._pollers:
                continue
            parent = self._pollers.get(shard.parent_id or "")
            if shard.parent_id in known and (parent is None or not parent.finished.is_set()):
                continue  # Lambda finishes a parent shard before its children
            poller = self._poller(shard.shard_id, positions.get(shard.shard_id, Position()))
            self._pollers[shard.shard_id] = poller
            thread = threading.Thread(
                target=self._run_poller,
                args=(poller,),
                daemon=True,
                name=f"poller {self.config.name} {shard.shard_id}",
            )
            thread.start()  # before it is listed: stop() joins only started threads
            self._threads.append(thread)

    def _write_journal(self, entry: dict[str, Any]) -> None:
        """One line per invocation: which records, how it ended (for debugging a stage)."""
        if self._journal_path is None:
            return
        line = json.dumps({"at": round(time.time(), 3), "mapping": self.config.name, **entry})
        with self._journal_lock, self._journal_path.open("a") as journal:
            journal.write(line + "\n")

    def _poller(self, shard_id: str, position: Position) -> ShardPoller:
        return ShardPoller(
            self.config,
            self._source,
            shard_id,
            position,
            self._invoke,
            self._function_arn,
            self._checkpoints,
            self._destination,
            self.stats,
            self._stop,
            journal=self._write_journal,
        )

    def _run_poller(self, poller: ShardPoller) -> None:
        """Run a shard's poller; after an error (an emulator timing out, say) start it again
        from its checkpoint, as Lambda retries what fails before an invocation until the
        records expire. The saved in-flight end keeps a replayed batch the same."""
        while not self._stop.is_set():
            try:
                poller.run()
                return
            except Exception as error:
                if self._stop.is_set():
                    return
                self.errors.append(f"{poller.shard_id}: {error!r}")
                log.warning(
                    "poller %s/%s restarts after %r", self.config.name, poller.shard_id, error
                )
            self._stop.wait(RESTART_DELAY_SECONDS)
            position = self._checkpoints.load(self.config.name).get(poller.shard_id, Position())
            poller = self._poller(poller.shard_id, position)
            self._pollers[poller.shard_id] = poller

    def signal_stop(self) -> None:
        """Stop polling and invoking; in-flight batches stay in flight (replayed on restart)."""
        self._stop.set()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        for thread in [*self._threads, *([self._thread] if self._thread else [])]:
            if thread.ident is not None:  # started (a stop can race the discovery thread)
                thread.join(timeout)


def source_for(config: MappingConfig, kinesis: Any, streams: Any) -> ShardSource:
    if config.source_kind is SourceKind.KINESIS:
        return KinesisSource(kinesis, config.source_arn, region=config.region)
    return DynamoDBStreamSource(streams, config.source_arn, region=config.region)
