"""An in-memory stream implementing the trigger engine's ShardSource protocol.

It behaves like the services' shards where the engine depends on them: shards with parent ids
that close; records in order with growing sequence numbers; iterators after a sequence number
or at the horizon; reads of at most `read_limit` records; a closed shard read to its end hands
back no iterator. Tests can also expire every iterator or make reads fail, as emulators do.
Records carry the same event JSON the real sources build (events.py), Kinesis or DynamoDB.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from leda.triggers.config import SourceKind
from leda.triggers.events import dynamodb_record_from_api, kinesis_record
from leda.triggers.records import SourceRecord
from leda.triggers.sources import READ_LIMIT, IteratorExpired, Shard

KINESIS_ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/memory"
DYNAMODB_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/memory/stream/2026-01-01T00:00:00.000"
# Sequence numbers start just below a power of ten, so they soon gain a digit: the engine must
# compare them as numbers, never as strings (DynamoDB Local's are of varying length).
FIRST_SEQUENCE = 95


@dataclass
class MemoryShard:
    shard_id: str
    parent_id: str | None = None
    closed: bool = False
    records: list[SourceRecord] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Position:
    shard_id: str
    index: int  # records before this index have been read
    generation: int

    def token(self) -> str:
        return f"{self.shard_id}/{self.index}/{self.generation}"

    @classmethod
    def parse(cls, token: str) -> _Position:
        shard_id, index, generation = token.rsplit("/", 2)
        return cls(shard_id, int(index), int(generation))


class MemoryStream:
    """Shards in memory. `put` appends records; `close` ends a shard (as a split does)."""

    def __init__(
        self,
        kind: SourceKind = SourceKind.KINESIS,
        arn: str | None = None,
        clock: Callable[[], float] = time.time,
        read_limit: int = READ_LIMIT,
        first_sequence: int = FIRST_SEQUENCE,
    ) -> None:
        self.kind = kind
        self.arn = arn or (KINESIS_ARN if kind is SourceKind.KINESIS else DYNAMODB_ARN)
        self._clock = clock
        self.read_limit = read_limit
        self._next_sequence = first_sequence
        self._shards: dict[str, MemoryShard] = {}
        self._generation = 0
        self._failing_reads: list[Exception] = []
        self.reads = 0
        self.iterators = 0
        self.expired_reads = 0
        # Tests put records while a mapping's poller threads read them.
        self._lock = threading.RLock()

    # --- set-up, from tests --------------------------------------------------------------

    def add_shard(self, shard_id: str | None = None, parent: str | None = None) -> str:
        with self._lock:
            shard_id = shard_id or f"shardId-{len(self._shards):012}"
            if shard_id in self._shards:
                raise ValueError(f"shard {shard_id} exists")
            self._shards[shard_id] = MemoryShard(shard_id, parent)
            return shard_id

    def put(
        self, shard_id: str, *data: str | bytes, arrival: float | None = None
    ) -> list[SourceRecord]:
        """Append one record per payload; `arrival` defaults to the clock's now."""
        with self._lock:
            shard = self._shards[shard_id]
            if shard.closed:
                raise ValueError(f"shard {shard_id} is closed")
            added = [self._record(shard_id, payload, arrival) for payload in data]
            shard.records.extend(added)
            return added

    def close(self, shard_id: str) -> None:
        with self._lock:
            self._shards[shard_id].closed = True

    def records(self, shard_id: str) -> list[SourceRecord]:
        with self._lock:
            return list(self._shards[shard_id].records)

    def expire_iterators(self) -> None:
        """Every iterator handed out so far fails its next read with IteratorExpired."""
        with self._lock:
            self._generation += 1

    def fail_reads(self, *errors: Exception) -> None:
        """The next reads raise these errors, one each (an emulator timing out, say)."""
        with self._lock:
            self._failing_reads.extend(errors)

    def _record(self, shard_id: str, payload: str | bytes, arrival: float | None) -> SourceRecord:
        data = payload.encode() if isinstance(payload, str) else payload
        sequence = str(self._next_sequence)
        self._next_sequence += 1
        when = self._clock() if arrival is None else arrival
        if self.kind is SourceKind.KINESIS:
            event = kinesis_record(
                data,
                partition_key="k",
                sequence_number=sequence,
                shard_id=shard_id,
                stream_arn=self.arn,
                arrival=when,
            )
        else:
            key = {"pk": {"S": data.decode()}}
            event = dynamodb_record_from_api(
                {
                    # opaque on AWS; here it names the shard so a test can tell shards apart
                    "eventID": f"{shard_id}:{sequence}",
                    "eventName": "INSERT",
                    "dynamodb": {
                        "ApproximateCreationDateTime": when,
                        "Keys": key,
                        "NewImage": key,
                        "SequenceNumber": sequence,
                        "SizeBytes": len(data),
                        "StreamViewType": "NEW_AND_OLD_IMAGES",
                    },
                },
                stream_arn=self.arn,
            )
        return SourceRecord(shard_id, sequence, when, event, len(json.dumps(event)))

    # --- ShardSource ---------------------------------------------------------------------

    def shards(self) -> list[Shard]:
        with self._lock:
            return [Shard(s.shard_id, s.parent_id, s.closed) for s in self._shards.values()]

    def iterator(self, shard_id: str, after: str | None) -> str | None:
        with self._lock:
            self.iterators += 1
            records = self._shards[shard_id].records
            index = 0
            if after:
                found = [i for i, record in enumerate(records) if record.sequence_number == after]
                if not found:  # Kinesis refuses a sequence number that is not in the shard
                    raise ValueError(f"{after} is not a sequence number of {shard_id}")
                index = found[0] + 1
            return _Position(shard_id, index, self._generation).token()

    def read(self, shard_id: str, iterator: str) -> tuple[list[SourceRecord], str | None]:
        with self._lock:
            self.reads += 1
            if self._failing_reads:
                raise self._failing_reads.pop(0)
            position = _Position.parse(iterator)
            if position.shard_id != shard_id:
                raise ValueError(f"iterator of {position.shard_id} used on {shard_id}")
            if position.generation != self._generation:
                self.expired_reads += 1
                raise IteratorExpired(f"iterator {iterator} has expired")
            shard = self._shards[shard_id]
            batch = shard.records[position.index : position.index + self.read_limit]
            end = position.index + len(batch)
            if shard.closed and end == len(shard.records):
                return batch, None
            return batch, _Position(shard_id, end, self._generation).token()
