"""Where each mapping stands in each shard, kept on disk so a restart resumes there.

A checkpoint is written only after its batch succeeded (or was sent to the on-failure
destination), so a crash in between delivers the batch again: at-least-once, as on AWS.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

# A shard the mapping has started on, from its beginning (TRIM_HORIZON or a new child shard).
AT_HORIZON = ""


class CheckpointStore:
    def __init__(self, directory: Path) -> None:
        self._dir = directory
        self._dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def _path(self, mapping: str) -> Path:
        return self._dir / f"{mapping}.json"

    def load(self, mapping: str) -> dict[str, str]:
        """Shard ID -> last processed sequence number (AT_HORIZON: none yet)."""
        with self._lock:
            path = self._path(mapping)
            if not path.exists():
                return {}
            data = json.loads(path.read_text())
            return {str(k): str(v) for k, v in data.items()}

    def save(self, mapping: str, shard_id: str, sequence: str) -> None:
        with self._lock:
            path = self._path(mapping)
            data = json.loads(path.read_text()) if path.exists() else {}
            data[shard_id] = sequence
            temporary = path.with_suffix(".tmp")
            temporary.write_text(json.dumps(data, sort_keys=True))
            with temporary.open("rb") as handle:
                os.fsync(handle.fileno())
            temporary.replace(path)  # atomic: a kill never leaves half a checkpoint
