"""One shard of one event source mapping: read, batch, invoke, retry, checkpoint.

One batch is in flight per shard and records are delivered in shard order. A failed batch is
retried with the same records in the same order until it succeeds, is split (bisect), or is
discarded to the on-failure destination when its retries or its records' age run out; then the
shard moves on. With ReportBatchItemFailures the checkpoint moves to the first failed record;
when the retries of such a batch run out, its first failed record gets one last attempt alone
and only it is given up (see _deliver).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from leda.triggers.checkpoints import AT_HORIZON, CheckpointStore, Position
from leda.triggers.config import MappingConfig, StartingPosition
from leda.triggers.destination import UNHANDLED, OnFailureDestination, failure_record
from leda.triggers.events import batch as event_of
from leda.triggers.policy import (
    Next,
    Outcome,
    after_failure,
    batch_length,
    expired,
    judge_response,
    ready_to_invoke,
)
from leda.triggers.records import SourceRecord
from leda.triggers.sources import IteratorExpired, ShardSource
from leda.workers.spec import InvocationResult

log = logging.getLogger(__name__)

Invoke = Callable[[dict[str, Any]], InvocationResult]
MAX_RETRY_BACKOFF_SECONDS = 1.0
# requestContext.condition of an on-failure record (Lambda's documented values).
RETRIES_EXHAUSTED = "RetryAttemptsExhausted"
RECORD_AGE_EXCEEDED = "RecordAgeExceeded"


@dataclass(frozen=True, slots=True)
class _Part:
    """Records of a batch still to be delivered, and how their delivery has gone so far."""

    records: list[SourceRecord]
    retries: int = 0  # retries spent (splitting a batch spends none)
    attempts: int = 0  # invocations that held these records
    function_error: str | None = None  # how the last of them ended, for an on-failure record
    request_id: str | None = None  # ... and its request ID
    final: bool = False  # the last attempt of a record isolated once its retries ran out


@dataclass
class MappingStats:
    batches: int = 0
    records_delivered: int = 0  # records in successful invocations
    failures: int = 0
    retries: int = 0
    bisects: int = 0
    discarded_records: int = 0
    # Lambda's IteratorAge: how old the last record of a batch was when the function was
    # invoked with it, the latest per shard; the mapping reports the oldest of those.
    iterator_age_ms: int = 0
    shard_ages_ms: dict[str, int] = field(default_factory=dict, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: int) -> None:
        with self.lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)

    def invoked(self, shard: str, age_seconds: float) -> None:
        with self.lock:
            self.shard_ages_ms[shard] = max(0, round(age_seconds * 1000))
            self.iterator_age_ms = max(self.shard_ages_ms.values())


class ShardPoller:
    def __init__(
        self,
        config: MappingConfig,
        source: ShardSource,
        shard_id: str,
        position: Position,
        invoke: Invoke,
        function_arn: str,
        checkpoints: CheckpointStore,
        destination: OnFailureDestination,
        stats: MappingStats,
        stop: threading.Event,
        clock: Callable[[], float] = time.time,
        journal: Callable[[dict[str, Any]], None] = lambda _: None,
    ) -> None:
        self.config = config
        self.shard_id = shard_id
        self._source = source
        self._after = position.done
        self._replay_end = position.in_flight_end
        self._invoke = invoke
        self._function_arn = function_arn
        self._checkpoints = checkpoints
        self._destination = destination
        self._stats = stats
        self._stop = stop
        self._clock = clock
        self._journal = journal
        self.finished = threading.Event()  # a closed shard read to its end

    def run(self) -> None:
        try:
            self._run()
        except Exception:
            if not self._stop.is_set():
                log.exception("poller %s/%s stopped", self.config.name, self.shard_id)
            raise

    def _run(self) -> None:
        iterator = self._source.iterator(self.shard_id, self._after or None)
        buffer: deque[SourceRecord] = deque()
        first_buffered_at: float | None = None
        while not self._stop.is_set():
            got = 0
            wanted = self.config.batch_size if self._replay_end is None else 10**9
            if iterator is not None and len(buffer) < wanted:
                try:
                    records, iterator = self._source.read(self.shard_id, iterator)
                except IteratorExpired:
                    resume = buffer[-1].sequence_number if buffer else self._after
                    iterator = self._source.iterator(self.shard_id, resume or None)
                    continue
                got = len(records)
                if not records and iterator is not None:
                    # Seen on DynamoDB Local: the iterator handed back by an empty read can miss
                    # a record written just then; a fresh one after the last record read does
                    # not. One extra call per idle poll.
                    resume = buffer[-1].sequence_number if buffer else self._after
                    iterator = self._source.iterator(self.shard_id, resume or None)
                if records and first_buffered_at is None:
                    first_buffered_at = self._clock()
                buffer.extend(records)
            now = self._clock()
            if self._replay_end is not None:
                # After a restart, first the batch that was in flight, exactly as it was.
                last = int(self._replay_end)
                if (not buffer or buffer[-1].sequence < last) and iterator is not None:
                    if got == 0:
                        self._stop.wait(self.config.poll_interval)
                    continue
                self._replay_end = None
                batch = []
                while buffer and buffer[0].sequence <= last:
                    batch.append(buffer.popleft())
                first_buffered_at = self._clock() if buffer else None
                if batch:
                    self._deliver(batch)
                continue
            if buffer:
                self._after = buffer[-1].sequence_number
            sizes = [record.size for record in buffer]
            if ready_to_invoke(self.config, len(buffer), first_buffered_at, now, sum(sizes)):
                batch = [buffer.popleft() for _ in range(batch_length(self.config, sizes))]
                first_buffered_at = self._clock() if buffer else None
                self._deliver(batch)
                continue
            if iterator is None and not buffer:
                self.finished.set()
                return
            if got == 0 or len(buffer) >= self.config.batch_size:
                self._stop.wait(self.config.poll_interval)

    def _deliver(self, batch: list[SourceRecord]) -> None:
        pending: deque[_Part] = deque([_Part(batch)])
        while pending and not self._stop.is_set():
            part = pending.popleft()
            records = self._discard_expired(part)
            if not records:
                continue
            self._checkpoints.begin(self.config.name, self.shard_id, records[-1].sequence_number)
            self._stats.invoked(self.shard_id, self._clock() - records[-1].arrival)
            result = self._invoke(event_of(record.event for record in records))
            attempts = part.attempts + 1
            if self._stop.is_set():
                return  # stopped mid-invocation: the batch stays in flight, replayed on restart
            verdict = judge_response(self.config, records, result.ok, result.payload, result.error)
            self._journal(
                {
                    "shard": self.shard_id,
                    "first": records[0].sequence_number,
                    "last": records[-1].sequence_number,
                    "records": len(records),
                    "retries": part.retries,
                    "outcome": verdict.outcome.value,
                    "error": result.error,
                }
            )
            if verdict.outcome is Outcome.SUCCESS:
                self._stats.add(batches=1, records_delivered=len(records))
                self._checkpoint(records[-1])
                continue
            failed = records
            if verdict.outcome is Outcome.PARTIAL and verdict.first_failed is not None:
                done, failed = records[: verdict.first_failed], records[verdict.first_failed :]
                if done:
                    self._stats.add(records_delivered=len(done))
                    self._checkpoint(done[-1])
                    # The rest is still in flight: a restart before its retry must replay
                    # exactly it, not re-form a batch with whatever arrived since.
                    self._checkpoints.begin(
                        self.config.name, self.shard_id, failed[-1].sequence_number
                    )
            self._stats.add(failures=1)
            partial = verdict.outcome is Outcome.PARTIAL
            # The function returned normally (naming failed records, or an invalid identifier):
            # no function error for the on-failure record to report.
            error = None if result.ok else UNHANDLED
            last = _Part(failed, part.retries, attempts, error, result.request_id or None)
            if part.final:
                self._discard(failed, RETRIES_EXHAUSTED, last)
                continue
            step = after_failure(self.config, len(failed), part.retries, may_split=not partial)
            if step is Next.DISCARD and partial:
                # Retries spent on a batch whose function kept naming a failed record. Recorded
                # on AWS (MaximumRetryAttempts 3: 5 deliveries of a record reported every time):
                # Lambda then invokes the first failed record once more in a batch of its own
                # and gives up only that record; the records after it go on as a new batch.
                # Lambda's documentation says only that partial failures are retried "based on
                # your retry strategy"; this final solo attempt, and which records it gives up,
                # it does not describe (see README, "Trigger semantics reproduced").
                if len(failed) > 1:
                    pending.appendleft(_Part(failed[1:]))
                pending.appendleft(
                    _Part(failed[:1], part.retries, attempts, error, last.request_id, final=True)
                )
            elif step is Next.DISCARD:
                self._discard(failed, RETRIES_EXHAUSTED, last)
            elif step is Next.BISECT:
                middle = len(failed) // 2
                self._stats.add(bisects=1)
                pending.extendleft(
                    [
                        _Part(failed[middle:], part.retries, attempts, error, last.request_id),
                        _Part(failed[:middle], part.retries, attempts, error, last.request_id),
                    ]
                )
            else:
                self._stats.add(retries=1)
                backoff = min(MAX_RETRY_BACKOFF_SECONDS, 0.05 * 2 ** min(part.retries, 5))
                self._stop.wait(backoff)
                pending.appendleft(
                    _Part(failed, part.retries + 1, attempts, error, last.request_id)
                )

    def _discard_expired(self, part: _Part) -> list[SourceRecord]:
        now = self._clock()
        old = [record for record in part.records if expired(self.config, record, now)]
        if not old:
            return part.records
        self._discard(old, RECORD_AGE_EXCEEDED, part)
        return [record for record in part.records if not expired(self.config, record, now)]

    def _discard(self, records: Sequence[SourceRecord], condition: str, last: _Part) -> None:
        self._destination.send(
            failure_record(
                self.config,
                self._function_arn,
                records,
                condition,
                last.attempts,
                last.function_error,
                request_id=last.request_id,
                now=self._clock(),
            )
        )
        self._stats.add(discarded_records=len(records))
        self._checkpoint(records[-1])

    def _checkpoint(self, record: SourceRecord) -> None:
        self._after = max(self._after, record.sequence_number, key=lambda s: int(s or 0))
        self._checkpoints.save(self.config.name, self.shard_id, record.sequence_number)


def initial_positions(
    config: MappingConfig, source: ShardSource, shard_ids: Sequence[str]
) -> dict[str, str]:
    """Where a new mapping starts in each existing shard.

    LATEST is resolved to the shard's current last record and saved, so that a restart resumes
    from there instead of from a new "latest" that would skip what arrived in between.
    """
    positions: dict[str, str] = {}
    for shard_id in shard_ids:
        last = AT_HORIZON
        if config.starting_position is StartingPosition.LATEST:
            iterator = source.iterator(shard_id, None)
            while iterator is not None:
                records, iterator = source.read(shard_id, iterator)
                if not records:
                    break
                last = records[-1].sequence_number
        positions[shard_id] = last
    return positions
