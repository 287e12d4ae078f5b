"""Reading shards of a Kinesis stream or a DynamoDB stream into SourceRecords."""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass
from typing import Any, Protocol

from leda.triggers.events import dynamodb_record_from_api, kinesis_record_from_api
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


def _epoch(value: Any) -> float:
    return value.timestamp() if isinstance(value, dt.datetime) else float(value)


class KinesisSource:
    def __init__(self, client: Any, arn: str) -> None:
        self._client = client
        self.arn = arn
        self._name = arn.rsplit("/", 1)[-1]

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
                _epoch(raw["ApproximateArrivalTimestamp"]),
                event := kinesis_record_from_api(raw, shard_id=shard_id, stream_arn=self.arn),
                len(json.dumps(event)),
            )
            for raw in response["Records"]
        ]
        return records, response.get("NextShardIterator")


class DynamoDBStreamSource:
    """DynamoDB stream shards. One DynamoDB Local quirk is handled here, for every reader: a
    TRIM_HORIZON iterator taken while a shard's first record is being written can start after
    that record. So a horizon iterator's first non-empty read is done again from a fresh
    TRIM_HORIZON iterator, taken once the shard is no longer empty."""

    def __init__(self, client: Any, arn: str) -> None:
        self._client = client
        self.arn = arn
        self._horizon: set[str] = set()  # TRIM_HORIZON iterators not yet read
        self._lock = threading.Lock()

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
        records = [
            SourceRecord(
                shard_id,
                raw["dynamodb"]["SequenceNumber"],
                _epoch(raw["dynamodb"].get("ApproximateCreationDateTime", 0)),
                event := dynamodb_record_from_api(raw, stream_arn=self.arn),
                len(json.dumps(event, default=str)),
            )
            for raw in response["Records"]
        ]
        return records, response.get("NextShardIterator")
