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
    def __init__(self, directory: Path) -> None:
        self._dir = directory
        self._dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def _path(self, mapping: str) -> Path:
        return self._dir / f"{mapping}.json"

    def _read(self, mapping: str) -> dict[str, dict[str, str | None]]:
        path = self._path(mapping)
        if not path.exists():
            return {}
        data: dict[str, dict[str, str | None]] = json.loads(path.read_text())
        return data

    def _write(self, mapping: str, data: dict[str, dict[str, str | None]]) -> None:
        path = self._path(mapping)
        temporary = path.with_suffix(".tmp")
        with temporary.open("w") as handle:
            handle.write(json.dumps(data, sort_keys=True))
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)  # atomic: a kill never leaves half a checkpoint

    def load(self, mapping: str) -> dict[str, Position]:
        with self._lock:
            return {
                shard: Position(str(entry.get("done") or AT_HORIZON), entry.get("in_flight_end"))
                for shard, entry in self._read(mapping).items()
            }

    def save(self, mapping: str, shard_id: str, done: str) -> None:
        """The shard is done up to `done`; nothing is in flight."""
        with self._lock:
            data = self._read(mapping)
            data[shard_id] = {"done": done, "in_flight_end": None}
            self._write(mapping, data)

    def begin(self, mapping: str, shard_id: str, in_flight_end: str) -> None:
        """A batch ending at `in_flight_end` is about to be invoked."""
        with self._lock:
            data = self._read(mapping)
            entry = data.setdefault(shard_id, {"done": AT_HORIZON})
            entry["in_flight_end"] = in_flight_end
            self._write(mapping, data)
