"""Reading what the emulators' streams hold, as a trigger would, to hand it to a handler.

Thin wrappers over the runtime's own stream readers, so tests read shards exactly as the
offline runtime does (DynamoDB Local's quirks included).
"""

from __future__ import annotations

from typing import Any

from leda.triggers.events import batch
from leda.triggers.sources import DynamoDBStreamSource, KinesisSource
from leda.workshop.referee import StreamReader


class TableStreamTap:
    """New records of one table's stream since the last take, in shard order."""

    def __init__(self, dynamodb: Any, streams: Any, table_name: str) -> None:
        self.arn: str = dynamodb.describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
        self._reader = StreamReader(DynamoDBStreamSource(streams, self.arn))

    def take(self) -> list[dict[str, Any]]:
        return list(self._reader.read_new())

    def event(self) -> dict[str, Any]:
        return batch(self.take())


class KinesisTap:
    """New records of every shard of a Kinesis stream since the last take."""

    def __init__(self, client: Any, stream_name: str) -> None:
        arn = client.describe_stream_summary(StreamName=stream_name)["StreamDescriptionSummary"][
            "StreamARN"
        ]
        self._reader = StreamReader(KinesisSource(client, arn))

    def take(self) -> list[dict[str, Any]]:
        return list(self._reader.read_new())


def read_kinesis(client: Any, stream_name: str) -> list[dict[str, Any]]:
    """Every record of every shard, as Lambda event records, shard by shard."""
    return KinesisTap(client, stream_name).take()
