"""Read exactly a given batch's records back from its stream, or say why that is impossible."""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import ClientError

from leda.redrive.failures import FailedBatch, StreamKind
from leda.triggers.records import SourceRecord
from leda.triggers.sources import DynamoDBStreamSource, KinesisSource, ShardSource

# Reads in a row that return nothing before the end: the records are not there. From the trim
# horizon GetRecords may answer empty several times before it reaches records (its API
# reference says so), hence many, paced: a shard allows 5 reads a second, shared with the
# trigger that reads it.
EMPTY_READS = 20
READ_PAUSE_SECONDS = 0.2
# Errors that mean the stream no longer holds what was asked for; any other error is raised.
GONE = ("TrimmedDataAccessException", "ResourceNotFoundException")


class PastRetention(Exception):
    """The stream no longer holds (all of) the batch; the message says which part is gone."""


def source_for(batch: FailedBatch, client: Any, region: str) -> ShardSource:
    if batch.kind is StreamKind.KINESIS:
        return KinesisSource(client, batch.stream_arn, region=region)
    return DynamoDBStreamSource(client, batch.stream_arn, region=region)


def reread(source: ShardSource, batch: FailedBatch) -> list[SourceRecord]:
    """The records start..end of the batch's shard, as the trigger delivered them.

    Read from the shard's trim horizon: a record gone past retention is then seen to be
    missing (the first record left is later than `start`) instead of being silently skipped,
    which an iterator at `start` would do on Kinesis.
    """
    start, end = int(batch.start), int(batch.end)
    try:
        iterator = source.iterator(batch.shard_id, None)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in GONE:
            raise
        raise PastRetention(f"shard {batch.shard_id} is gone: {error}") from None
    found: list[SourceRecord] = []
    first_seen: int | None = None
    empty = 0
    while iterator is not None and empty < EMPTY_READS:
        records, iterator = source.read(batch.shard_id, iterator)
        empty = 0 if records else empty + 1
        if not records:
            time.sleep(READ_PAUSE_SECONDS)
        for record in records:
            first_seen = record.sequence if first_seen is None else first_seen
            if start <= record.sequence <= end:
                found.append(record)
        if records and records[-1].sequence >= end:
            break
    if first_seen is None or first_seen > start:
        raise PastRetention(
            f"the stream no longer holds {batch.shard_id} from {batch.start}: past its retention"
            + (f" (the oldest record left is {first_seen})" if first_seen is not None else "")
        )
    if not found or found[-1].sequence != end:
        raise PastRetention(f"{batch.shard_id} has no record {batch.end}: the batch is incomplete")
    return found
