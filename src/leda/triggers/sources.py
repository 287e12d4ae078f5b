"""Reading shards of a Kinesis stream or a DynamoDB stream into SourceRecords."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from leda.triggers.config import DEFAULT_REGION
from leda.triggers.events import (
    dynamodb_record_from_api,
    epoch_seconds,
    kinesis_record_from_api,
)
from leda.triggers.records import SourceRecord

READ_LIMIT = 1000  # GetRecords on DynamoDB streams returns at most 1,000 records
# Answers meaning "this iterator can no longer be used; take a new one from where you were".
# DynamoDB Local gives TrimmedDataAccessException for an iterator taken on a still-empty shard.
_STALE_ITERATOR = {"ExpiredIteratorException", "TrimmedDataAccessException"}


class IteratorExpired(RuntimeError):
    pass


def _get_records(client: Any, iterator: str) -> dict[str, Any]:
    try:
        response: dict[str, Any] = client.get_records(ShardIterator=iterator, Limit=READ_LIMIT)
    except client.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") in _STALE_ITERATOR:
            raise IteratorExpired(str(error)) from None
        raise
    return response


@dataclass(frozen=True, slots=True)
class Shard:
    shard_id: str
    parent_id: str | None
    closed: bool  # has an ending sequence number: no more records will arrive


class ShardSource(Protocol):
    arn: str

    def shards(self) -> list[Shard]: ...

    def iterator(self, shard_id: str, after: str | None) -> str | None: ...

    def read(self, shard_id: str, iterator: str) -> tuple[list[SourceRecord], str | None]: ...


# How many first-read times a DynamoDB stream source remembers, oldest forgotten first. A record
# is read again only while it is not yet checkpointed (a retried or re-read batch, the horizon
# quirk below), and a shard has at most one GetRecords answer (1,000 records) in that state: this
# covers 20 busy shards. Each entry costs about 250 bytes (24.5 MB for 100,000, the earlier
# bound, which a long workshop reached on StateTable's stream after about eight bursts).
FIRST_READ_MEMORY = 20_000


def creation_time(reported: float, first_read: float) -> float:
    """When a DynamoDB stream record was written, as well as the engine can tell.

    The DynamoDB Streams API reference gives ApproximateCreationDateTime in epoch seconds rounded
    down to the second; the events recorded on AWS carry a time with a fraction, close to the
    write. DynamoDB Local (1.25) reports only the minute (12:03:00 for a write at 12:03:41), so
    a record could be judged up to 59 s older than it is, by MaximumRecordAgeInSeconds too. The
    write happened between the reported time and the end of its unit (a minute here, a second
    if the value has whole seconds), and no later than the engine first read it; a live shard is
    read every 250 ms (Lambda polls a DynamoDB stream shard 4 times a second), so the first-read
    time is within one poll of the write. Read later than the end of the unit (a backlog, a
    restart), the end of the unit is the closest bound. A value with a fraction is the
    service's own, precise, and kept.
    """
    if reported != int(reported):
        return reported
    unit = 60 if int(reported) % 60 == 0 else 1
    return min(max(first_read, reported), reported + unit)


class KinesisSource:
    def __init__(self, client: Any, arn: str, *, region: str = DEFAULT_REGION) -> None:
        self._client = client
        self.arn = arn
        self._name = arn.rsplit("/", 1)[-1]
        self._region = region

    def shards(self) -> list[Shard]:
        shards: list[Shard] = []
        request: dict[str, Any] = {"StreamName": self._name}
        while True:
            response = self._client.list_shards(**request)
            for shard in response["Shards"]:
                shards.append(
                    Shard(
                        shard["ShardId"],
                        shard.get("ParentShardId"),
                        "EndingSequenceNumber" in shard["SequenceNumberRange"],
                    )
                )
            token = response.get("NextToken")
            if not token:
                return shards
            request = {"NextToken": token}

    def iterator(self, shard_id: str, after: str | None) -> str | None:
        position: dict[str, str] = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": after}
            if after
            else {"ShardIteratorType": "TRIM_HORIZON"}
        )
        response = self._client.get_shard_iterator(
            StreamName=self._name, ShardId=shard_id, **position
        )
        iterator: str | None = response.get("ShardIterator")
        return iterator

    def read(self, shard_id: str, iterator: str) -> tuple[list[SourceRecord], str | None]:
        response = _get_records(self._client, iterator)
        records = [
            SourceRecord(
                shard_id,
                raw["SequenceNumber"],
                epoch_seconds(raw["ApproximateArrivalTimestamp"]),
                event := kinesis_record_from_api(
                    raw, shard_id=shard_id, stream_arn=self.arn, region=self._region
                ),
                len(json.dumps(event)),
            )
            for raw in response["Records"]
        ]
        return records, response.get("NextShardIterator")


class DynamoDBStreamSource:
    """DynamoDB stream shards. One DynamoDB Local quirk is handled here, for every reader: a
    TRIM_HORIZON iterator taken while a shard's first record is being written can start after
    that record. So a horizon iterator's first non-empty read is done again from a fresh
    TRIM_HORIZON iterator, taken once the shard is no longer empty.

    Records carry the time they were written as well as the engine can tell (creation_time):
    DynamoDB Local reports only the minute, so the time a record was first read counts too."""

    def __init__(
        self,
        client: Any,
        arn: str,
        *,
        region: str = DEFAULT_REGION,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self.arn = arn
        self._region = region
        self._clock = clock
        self._horizon: set[str] = set()  # TRIM_HORIZON iterators not yet read
        self._first_read: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._lock = threading.Lock()

    def _first_read_time(self, shard_id: str, sequence_number: str, now: float) -> float:
        key = (shard_id, sequence_number)
        with self._lock:
            first = self._first_read.setdefault(key, now)
            while len(self._first_read) > FIRST_READ_MEMORY:
                self._first_read.popitem(last=False)
            return first

    def shards(self) -> list[Shard]:
        shards: list[Shard] = []
        request: dict[str, Any] = {"StreamArn": self.arn}
        while True:
            description = self._client.describe_stream(**request)["StreamDescription"]
            for shard in description["Shards"]:
                shards.append(
                    Shard(
                        shard["ShardId"],
                        shard.get("ParentShardId"),
                        "EndingSequenceNumber" in shard["SequenceNumberRange"],
                    )
                )
            last = description.get("LastEvaluatedShardId")
            if not last:
                return shards
            request = {"StreamArn": self.arn, "ExclusiveStartShardId": last}

    def iterator(self, shard_id: str, after: str | None) -> str | None:
        position: dict[str, str] = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
            if after
            else {"ShardIteratorType": "TRIM_HORIZON"}
        )
        response = self._client.get_shard_iterator(StreamArn=self.arn, ShardId=shard_id, **position)
        iterator: str | None = response.get("ShardIterator")
        if iterator is not None and not after:
            with self._lock:
                self._horizon.add(iterator)
        return iterator

    def read(self, shard_id: str, iterator: str) -> tuple[list[SourceRecord], str | None]:
        with self._lock:
            at_horizon = iterator in self._horizon
            self._horizon.discard(iterator)
        response = _get_records(self._client, iterator)
        if at_horizon and response["Records"]:
            fresh = self._client.get_shard_iterator(
                StreamArn=self.arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            response = _get_records(self._client, fresh)
        now = self._clock()
        records = []
        for raw in response["Records"]:
            sequence = raw["dynamodb"]["SequenceNumber"]
            first_read = self._first_read_time(shard_id, sequence, now)
            reported = raw["dynamodb"].get("ApproximateCreationDateTime")
            created = first_read
            if reported is not None:
                created = creation_time(epoch_seconds(reported), first_read)
            event = dynamodb_record_from_api(
                raw, stream_arn=self.arn, region=self._region, created=created
            )
            records.append(SourceRecord(shard_id, sequence, created, event, len(json.dumps(event))))
        return records, response.get("NextShardIterator")
