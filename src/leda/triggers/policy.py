"""What a trigger does next: pure decisions on batches, responses and failures.

Kept apart from the polling loop so each rule of Lambda's documented behaviour has a unit test.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from leda.triggers.config import MappingConfig
from leda.triggers.records import SourceRecord

# A batch stops at the synchronous invocation payload limit, whatever the batch size.
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024


def ready_to_invoke(
    config: MappingConfig,
    buffered: int,
    first_buffered_at: float | None,
    now: float,
    buffered_bytes: int = 0,
) -> bool:
    """Invoke when the batch is full (records or 6 MB), or when the batching window since the
    first buffered record has passed (at once with no window)."""
    if buffered == 0 or first_buffered_at is None:
        return False
    if buffered >= config.batch_size or buffered_bytes >= MAX_PAYLOAD_BYTES:
        return True
    return now - first_buffered_at >= config.batching_window_seconds


class Outcome(StrEnum):
    SUCCESS = "success"
    PARTIAL = "partial"  # ReportBatchItemFailures named a failed record
    FAILURE = "failure"


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    first_failed: int | None = None  # index in the batch, for PARTIAL
    reason: str = ""


def judge_response(
    config: MappingConfig,
    batch: Sequence[SourceRecord],
    ok: bool,
    payload: Any,
    error: str = "",
) -> Verdict:
    """Read an invocation's result as Lambda does.

    Without ReportBatchItemFailures any return value is success. With it, an empty or missing
    `batchItemFailures` is success; failures checkpoint at the lowest failed sequence number;
    an identifier that is not in the batch (or a malformed response) fails the whole batch.
    """
    if not ok:
        return Verdict(Outcome.FAILURE, reason=error)
    if not config.reports_item_failures or payload is None:
        return Verdict(Outcome.SUCCESS)
    if not isinstance(payload, Mapping):
        return Verdict(Outcome.SUCCESS)
    failures = payload.get("batchItemFailures")
    if not failures:
        return Verdict(Outcome.SUCCESS)
    position = {record.sequence_number: index for index, record in enumerate(batch)}
    indices: list[int] = []
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        if not isinstance(identifier, str) or identifier not in position:
            return Verdict(Outcome.FAILURE, reason=f"invalid itemIdentifier {identifier!r}")
        indices.append(position[identifier])
    return Verdict(Outcome.PARTIAL, first_failed=min(indices), reason="batchItemFailures")


class Next(StrEnum):
    RETRY = "retry"
    BISECT = "bisect"
    DISCARD = "discard"


def after_failure(
    config: MappingConfig, batch_length: int, retries_done: int, may_split: bool = True
) -> Next:
    """After a failed attempt: split (bisect), give up (retries exhausted), or retry as is.

    MaximumRetryAttempts counts retries, not the first attempt (Lambda's API reference: records
    are discarded after that many retries), so N allows N + 1 invocations of a batch. Splitting
    does not count toward it (documented for Kinesis and DynamoDB triggers), so a batch is split
    down to the failing record before its retries are spent. A partial failure
    (ReportBatchItemFailures) is not split again: Lambda retries the records from the failed one
    on (`may_split=False`), and each such retry counts ("based on your retry strategy"). What
    follows when they run out is the poller's (ShardPoller._deliver: a last attempt alone).
    """
    if config.bisect_on_error and batch_length > 1 and may_split:
        return Next.BISECT
    if config.maximum_retry_attempts != -1 and retries_done >= config.maximum_retry_attempts:
        return Next.DISCARD
    return Next.RETRY


def batch_length(config: MappingConfig, sizes: Sequence[int]) -> int:
    """How many of the buffered records (their sizes, in order) make the next batch."""
    total = 0
    for count, size in enumerate(sizes[: config.batch_size]):
        if count and total + size > MAX_PAYLOAD_BYTES:
            return count
        total += size
    return min(len(sizes), config.batch_size)


def expired(config: MappingConfig, record: SourceRecord, now: float) -> bool:
    age = config.maximum_record_age_seconds
    return age != -1 and now - record.arrival > age
