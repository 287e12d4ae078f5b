"""boto3 clients that answer the trigger engine's sources as the emulators answer them, in
memory, on a test's clock: the real KinesisSource and DynamoDBStreamSource run on them in the
fast tier.

`DynamoDBLocalStreams` answers as DynamoDB Local 1.25 does through boto3 (seen on this machine,
a put_item read back with GetRecords): ApproximateCreationDateTime cut to the minute (a write at
15:03:09.8 reads back as 15:03:00), awsRegion "ddblocal" and stream ARNs in region "ddblocal",
binary values as bytes (boto3 decodes the wire's base64), eventIDs that are UUIDs, sequence
numbers of 21 digits. `KinesaliteKinesis` answers as kinesalite 3.3.3: Data as bytes, the
arrival time a datetime with milliseconds, stream ARNs in the client's region (us-east-1).
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import Any

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

EXCEPTIONS = SimpleNamespace(ClientError=ClientError)


def _iterator(shard_id: str, index: int) -> str:
    return f"{shard_id}|{index}"


def _index(iterator: str) -> int:
    return int(iterator.rsplit("|", 1)[1])


def boto3_image(item: Mapping[str, Any]) -> dict[str, Any]:
    """Python values (bytes or Binary for binary) as boto3 returns an image: bytes for B."""
    serializer = TypeSerializer()
    return {name: serializer.serialize(value) for name, value in item.items()}


class DynamoDBLocalStreams:
    """One table's stream with one shard."""

    exceptions = EXCEPTIONS

    def __init__(self, clock: Callable[[], float], table: str = "ExampleTableWithStream") -> None:
        self._clock = clock
        self.arn = (
            f"arn:aws:dynamodb:ddblocal:000000000000:table/{table}/stream/2026-01-01T00:00:00.000"
        )
        self.shard_id = "shardId-00000001767225600000-0bf71dd3"
        self.records: list[dict[str, Any]] = []
        self.written_at: list[float] = []

    def write(
        self,
        name: str,
        keys: Mapping[str, Any],
        new: Mapping[str, Any] | None = None,
        old: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A stream record for a write now (INSERT, MODIFY or REMOVE), images as Python values."""
        now = self._clock()
        minute = dt.datetime.fromtimestamp(math.floor(now / 60) * 60, dt.UTC)
        body: dict[str, Any] = {
            "ApproximateCreationDateTime": minute,
            "Keys": boto3_image(keys),
            "SequenceNumber": f"{len(self.records) + 1:021d}",
            "SizeBytes": 59,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        }
        if new is not None:
            body["NewImage"] = boto3_image(new)
        if old is not None:
            body["OldImage"] = boto3_image(old)
        record = {
            "awsRegion": "ddblocal",
            "dynamodb": body,
            "eventID": str(uuid.uuid4()),
            "eventName": name,
            "eventSource": "aws:dynamodb",
            "eventVersion": "1.1",
        }
        self.records.append(record)
        self.written_at.append(now)
        return record

    def describe_stream(self, StreamArn: str, **_: Any) -> dict[str, Any]:
        return {
            "StreamDescription": {
                "Shards": [
                    {
                        "ShardId": self.shard_id,
                        "SequenceNumberRange": {"StartingSequenceNumber": "0"},
                    }
                ]
            }
        }

    def get_shard_iterator(
        self,
        StreamArn: str,
        ShardId: str,
        ShardIteratorType: str,
        SequenceNumber: str | None = None,
    ) -> dict[str, str]:
        index = 0
        if ShardIteratorType == "AFTER_SEQUENCE_NUMBER":
            index = int(str(SequenceNumber))
        return {"ShardIterator": _iterator(ShardId, index)}

    def get_records(self, ShardIterator: str, Limit: int = 1000) -> dict[str, Any]:
        index = _index(ShardIterator)
        batch = self.records[index : index + Limit]
        shard_id = ShardIterator.rsplit("|", 1)[0]
        return {"Records": batch, "NextShardIterator": _iterator(shard_id, index + len(batch))}


class KinesaliteKinesis:
    """One stream with one shard."""

    exceptions = EXCEPTIONS
    FIRST_SEQUENCE = 49590338271490256608559692538361571095921575989136588898

    def __init__(self, clock: Callable[[], float], name: str = "lambda-stream") -> None:
        self._clock = clock
        self.arn = f"arn:aws:kinesis:us-east-1:000000000000:stream/{name}"
        self.shard_id = "shardId-000000000000"
        self.records: list[dict[str, Any]] = []

    def put(self, data: bytes, partition_key: str = "1") -> dict[str, Any]:
        arrival = round(self._clock(), 3)  # Kinesis keeps milliseconds
        record = {
            "SequenceNumber": str(self.FIRST_SEQUENCE + len(self.records)),
            "ApproximateArrivalTimestamp": dt.datetime.fromtimestamp(arrival, dt.UTC),
            "Data": data,
            "PartitionKey": partition_key,
        }
        self.records.append(record)
        return record

    def list_shards(self, **_: Any) -> dict[str, Any]:
        return {
            "Shards": [
                {
                    "ShardId": self.shard_id,
                    "SequenceNumberRange": {"StartingSequenceNumber": str(self.FIRST_SEQUENCE)},
                }
            ]
        }

    def get_shard_iterator(
        self,
        StreamName: str,
        ShardId: str,
        ShardIteratorType: str,
        StartingSequenceNumber: str | None = None,
    ) -> dict[str, str]:
        index = 0
        if ShardIteratorType == "AFTER_SEQUENCE_NUMBER":
            index = int(str(StartingSequenceNumber)) - self.FIRST_SEQUENCE + 1
        return {"ShardIterator": _iterator(ShardId, index)}

    def get_records(self, ShardIterator: str, Limit: int = 1000) -> dict[str, Any]:
        index = _index(ShardIterator)
        batch = self.records[index : index + Limit]
        shard_id = ShardIterator.rsplit("|", 1)[0]
        return {"Records": batch, "NextShardIterator": _iterator(shard_id, index + len(batch))}
