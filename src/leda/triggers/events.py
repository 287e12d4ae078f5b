"""Lambda's event JSON for stream triggers, built from what the services' APIs return.

Shapes and formats follow Lambda's documented events (the samples in "Using Lambda with
Kinesis" / "... with DynamoDB" and `sam local generate-event`; fixtures and sources in
tests/triggers/fixtures/README.md):
- a Kinesis record carries `data` as base64 text, `approximateArrivalTimestamp` as epoch seconds
  with milliseconds (a JSON number such as 1545084650.987) and an eventID of
  `<shardId>:<sequenceNumber>`;
- a DynamoDB stream record is the Streams API's record in its JSON wire form (binary attribute
  values as base64 text, numbers and everything else as strings in their type descriptors) plus
  `eventSourceARN`, with `ApproximateCreationDateTime` as epoch seconds (a JSON number);
- `awsRegion` and the region inside `eventSourceARN` are the region the mapping runs in.

Everything returned here is plain JSON: no bytes, no datetimes, so the event reaches the
function exactly as built (the worker pool refuses anything else rather than guess).
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from leda.triggers.config import DEFAULT_REGION

DEFAULT_ROLE = "arn:aws:iam::000000000000:role/leda-local"
# The attribute-value maps of a DynamoDB stream record.
IMAGES = ("Keys", "NewImage", "OldImage")


def in_region(arn: str, region: str) -> str:
    """`arn` with its region field (the fourth, `arn:partition:service:region:...`) set to
    `region`. DynamoDB Local names its own region `ddblocal` in the ARNs it makes; an event or
    an on-failure record names the region the stack is deployed to, as on AWS."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn" or not parts[3]:
        return arn  # not a regional ARN (IAM roles have no region): as it is
    parts[3] = region
    return ":".join(parts)


def _base64(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)  # already wire form (base64 text)


def wire_attribute_value(value: Mapping[str, Any]) -> dict[str, Any]:
    """One DynamoDB attribute value in the JSON wire form AWS sends in stream events.

    boto3 hands binary values (B, and the members of BS) back as bytes, decoded from the base64
    text of the wire; Lambda's event carries that text. So bytes go back to base64 (b"foobar" ->
    "Zm9vYmFy"), M and L are converted member by member, and S, N, BOOL, NULL, SS and NS are
    already what the wire carries.
    """
    converted: dict[str, Any] = {}
    for kind, member in value.items():
        if kind == "B":
            converted[kind] = _base64(member)
        elif kind == "BS":
            converted[kind] = [_base64(item) for item in member]
        elif kind == "M":
            converted[kind] = wire_image(member)
        elif kind == "L":
            converted[kind] = [wire_attribute_value(item) for item in member]
        else:
            converted[kind] = member
    return converted


def wire_image(image: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """An attribute map (Keys, NewImage, OldImage, or an M value) in wire form."""
    return {name: wire_attribute_value(value) for name, value in image.items()}


def epoch_seconds(value: Any) -> float:
    """A boto3 timestamp (a datetime) or a number, as epoch seconds."""
    return value.timestamp() if isinstance(value, dt.datetime) else float(value)


def kinesis_record(
    data: bytes | str,
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
            "data": _base64(data),
            # Kinesis keeps arrival times to the millisecond; the documented sample event
            # gives them as a JSON number of epoch seconds with 3 decimals (1545084650.987).
            "approximateArrivalTimestamp": round(arrival, 3),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": DEFAULT_ROLE,
        "awsRegion": region,
        "eventSourceARN": in_region(stream_arn, region),
    }


def kinesis_record_from_api(
    record: Mapping[str, Any], *, shard_id: str, stream_arn: str, region: str = DEFAULT_REGION
) -> dict[str, Any]:
    """A GetRecords record as Lambda delivers it: in boto3's form (bytes Data, a datetime
    arrival) or the wire's (base64 text, epoch seconds; leda.cloud.stream_client)."""
    return kinesis_record(
        record["Data"],
        partition_key=record["PartitionKey"],
        sequence_number=record["SequenceNumber"],
        shard_id=shard_id,
        stream_arn=stream_arn,
        arrival=epoch_seconds(record["ApproximateArrivalTimestamp"]),
        region=region,
    )


def dynamodb_record_from_api(
    record: Mapping[str, Any],
    *,
    stream_arn: str,
    region: str = DEFAULT_REGION,
    created: float | None = None,
) -> dict[str, Any]:
    """A DynamoDB Streams GetRecords record (boto3's form or the wire's) as Lambda delivers it.

    `created` is the record's creation time as the engine estimates it (see
    sources.creation_time: DynamoDB Local reports only the minute); without it, the record's
    own ApproximateCreationDateTime is used. Either way the event carries epoch seconds as a
    JSON number with a fraction (milliseconds), as the events recorded on AWS do.
    """
    body = dict(record["dynamodb"])
    for name in IMAGES:
        if name in body:
            body[name] = wire_image(body[name])
    if created is None and "ApproximateCreationDateTime" in body:
        created = epoch_seconds(body["ApproximateCreationDateTime"])
    if created is not None:
        body["ApproximateCreationDateTime"] = round(float(created), 3)
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        # Not the record's own awsRegion: DynamoDB Local writes "ddblocal" there.
        "awsRegion": region,
        "dynamodb": body,
        "eventSourceARN": in_region(stream_arn, region),
    }


def batch(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    return {"Records": list(records)}
