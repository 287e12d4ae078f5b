"""Reading what the emulators' streams hold, as a trigger would, to hand it to a handler."""

from __future__ import annotations

from typing import Any

from leda.lambda_events import batch, dynamodb_record_from_api, kinesis_record_from_api


class TableStreamTap:
    """New records of one table's stream since the last take, in shard order."""

    def __init__(self, dynamodb: Any, streams: Any, table_name: str) -> None:
        self._streams = streams
        self.arn: str = dynamodb.describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
        self._last: dict[str, str] = {}

    def take(self) -> list[dict[str, Any]]:
        description = self._streams.describe_stream(StreamArn=self.arn)["StreamDescription"]
        taken: list[dict[str, Any]] = []
        for shard in description["Shards"]:
            shard_id = shard["ShardId"]
            if shard_id in self._last:
                iterator = self._streams.get_shard_iterator(
                    StreamArn=self.arn,
                    ShardId=shard_id,
                    ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                    SequenceNumber=self._last[shard_id],
                )["ShardIterator"]
            else:
                iterator = self._streams.get_shard_iterator(
                    StreamArn=self.arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            while iterator:
                response = self._streams.get_records(ShardIterator=iterator, Limit=1000)
                records = response["Records"]
                if not records:
                    break
                for record in records:
                    taken.append(dynamodb_record_from_api(record, stream_arn=self.arn))
                self._last[shard_id] = records[-1]["dynamodb"]["SequenceNumber"]
                iterator = response.get("NextShardIterator")
        return taken

    def event(self) -> dict[str, Any]:
        return batch(self.take())


def read_kinesis(client: Any, stream_name: str) -> list[dict[str, Any]]:
    """Every record of every shard, as Lambda event records, shard by shard."""
    description = client.describe_stream(StreamName=stream_name)["StreamDescription"]
    arn = description["StreamARN"]
    records: list[dict[str, Any]] = []
    for shard in description["Shards"]:
        iterator = client.get_shard_iterator(
            StreamName=stream_name, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            response = client.get_records(ShardIterator=iterator, Limit=10000)
            if not response["Records"]:
                break
            records.extend(
                kinesis_record_from_api(r, shard_id=shard["ShardId"], stream_arn=arn)
                for r in response["Records"]
            )
            iterator = response.get("NextShardIterator")
    return records


class KinesisTap:
    """New records of every shard of a Kinesis stream since the last take."""

    def __init__(self, client: Any, stream_name: str) -> None:
        self._client = client
        self._stream = stream_name
        self._last: dict[str, str] = {}

    def take(self) -> list[dict[str, Any]]:
        description = self._client.describe_stream(StreamName=self._stream)["StreamDescription"]
        arn = description["StreamARN"]
        taken: list[dict[str, Any]] = []
        for shard in description["Shards"]:
            shard_id = shard["ShardId"]
            position: dict[str, str] = (
                {
                    "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                    "StartingSequenceNumber": self._last[shard_id],
                }
                if shard_id in self._last
                else {"ShardIteratorType": "TRIM_HORIZON"}
            )
            iterator = self._client.get_shard_iterator(
                StreamName=self._stream, ShardId=shard_id, **position
            )["ShardIterator"]
            while iterator:
                response = self._client.get_records(ShardIterator=iterator, Limit=10000)
                records = response["Records"]
                if not records:
                    break
                taken.extend(
                    kinesis_record_from_api(r, shard_id=shard_id, stream_arn=arn) for r in records
                )
                self._last[shard_id] = records[-1]["SequenceNumber"]
                iterator = response.get("NextShardIterator")
        return taken
