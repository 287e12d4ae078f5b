"""A record read from a shard, with what the trigger needs to batch, age and checkpoint it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class SourceRecord:
    shard_id: str
    sequence_number: str
    arrival: float  # epoch seconds: Kinesis arrival, or the stream record's creation time
    event: dict[str, Any]  # the record exactly as the function receives it
    size: int = 0  # bytes of the record in the invocation payload

    @property
    def sequence(self) -> int:
        """Sequence numbers are decimal strings that only compare correctly as numbers."""
        return int(self.sequence_number)
