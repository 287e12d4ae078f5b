"""Where each mapping stands in each shard, kept on disk so a restart resumes there.

Two facts per shard: the last record done (processed, or sent to the on-failure destination),
and the end of the batch in flight. A checkpoint moves only after its batch is done, so a crash
in between delivers the batch again (at-least-once, as on AWS); and because the in-flight end is
kept, the batch delivered again holds exactly the same records. Map and Reduce are idempotent
per batch (a hash of its records), so a batch re-formed differently after a restart would be
counted twice.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

# A shard the mapping has started on from its beginning (TRIM_HORIZON or a new child shard).
AT_HORIZON = ""


@dataclass(frozen=True, slots=True)
class Position:
    done: str = AT_HORIZON
    in_flight_end: str | None = None


class CheckpointStore:
    """The files of one runtime's mappings. It is their only writer while it runs, so each
    mapping's file is read once and kept in memory; every change is written through (and
    synced) before the call returns. One lock per mapping: shards of different mappings never
    wait for each other, and no reader waits for a write of another mapping."""

    def __init__(self, directory: Path) -> None:
        self._dir = directory
        self._dir.mkdir(parents=True, exist_ok=True)
        self._locks_lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._cache: dict[str, dict[str, dict[str, str | None]]] = {}

    def _path(self, mapping: str) -> Path:
        return self._dir / f"{mapping}.json"

    def _lock(self, mapping: str) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(mapping, threading.Lock())

    def _data(self, mapping: str) -> dict[str, dict[str, str | None]]:
        """The mapping's checkpoints (its lock held), read from disk the first time."""
        if mapping not in self._cache:
            path = self._path(mapping)
            self._cache[mapping] = json.loads(path.read_text()) if path.exists() else {}
        return self._cache[mapping]

    def _write(self, mapping: str, data: dict[str, dict[str, str | None]]) -> None:
        path = self._path(mapping)
        temporary = path.with_suffix(".tmp")
        with temporary.open("w") as handle:
            handle.write(json.dumps(data, sort_keys=True))
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)  # atomic: a kill never leaves half a checkpoint

    def load(self, mapping: str) -> dict[str, Position]:
        with self._lock(mapping):
            return {
                shard: Position(str(entry.get("done") or AT_HORIZON), entry.get("in_flight_end"))
                for shard, entry in self._data(mapping).items()
            }

    def save(self, mapping: str, shard_id: str, done: str) -> None:
        """The shard is done up to `done`; nothing is in flight."""
        with self._lock(mapping):
            data = {**self._data(mapping), shard_id: {"done": done, "in_flight_end": None}}
            self._write(mapping, data)
            self._cache[mapping] = data  # only once it is on disk

    def begin(self, mapping: str, shard_id: str, in_flight_end: str) -> None:
        """A batch ending at `in_flight_end` is about to be invoked."""
        with self._lock(mapping):
            data = dict(self._data(mapping))
            data[shard_id] = {
                **data.get(shard_id, {"done": AT_HORIZON}),
                "in_flight_end": in_flight_end,
            }
            self._write(mapping, data)
            self._cache[mapping] = data  # only once it is on disk
