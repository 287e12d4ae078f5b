"""Lambda's event JSON for stream triggers, built from what the services' APIs return.

Shapes follow the documented events: Kinesis records carry base64 `data` and an eventID of
`<shardId>:<sequenceNumber>`; DynamoDB stream records are GetRecords records plus the
`eventSourceARN`, with ApproximateCreationDateTime in epoch seconds.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

DEFAULT_REGION = "us-east-1"
DEFAULT_ROLE = "arn:aws:iam::000000000000:role/leda-local"


def kinesis_record(
    data: bytes,
    *,
    partition_key: str,
    sequence_number: str,
    shard_id: str,
    stream_arn: str,
    arrival: float,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": partition_key,
            "sequenceNumber": sequence_number,
            "data": base64.b64encode(data).decode("ascii"),
            "approximateArrivalTimestamp": arrival,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": DEFAULT_ROLE,
        "awsRegion": region,
        "eventSourceARN": stream_arn,
    }


def kinesis_record_from_api(
    record: Mapping[str, Any], *, shard_id: str, stream_arn: str, region: str = DEFAULT_REGION
) -> dict[str, Any]:
    """A GetRecords record (boto3 form: bytes Data, datetime arrival) as Lambda delivers it."""
    arrival = record["ApproximateArrivalTimestamp"]
    return kinesis_record(
        record["Data"],
        partition_key=record["PartitionKey"],
        sequence_number=record["SequenceNumber"],
        shard_id=shard_id,
        stream_arn=stream_arn,
        arrival=arrival.timestamp() if isinstance(arrival, dt.datetime) else float(arrival),
        region=region,
    )


def dynamodb_record_from_api(
    record: Mapping[str, Any], *, stream_arn: str, region: str = DEFAULT_REGION
) -> dict[str, Any]:
    """A DynamoDB Streams GetRecords record (boto3 form) as Lambda delivers it."""
    body = dict(record["dynamodb"])
    created = body.get("ApproximateCreationDateTime")
    if isinstance(created, dt.datetime):
        body["ApproximateCreationDateTime"] = int(created.timestamp())
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": record.get("awsRegion", region),
        "dynamodb": body,
        "eventSourceARN": stream_arn,
    }


def batch(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    return {"Records": list(records)}
