"""Turning trigger records into domain values, and unprocessable ones into dead letters."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecordEventName,
)

from pipeline.domain.aggregation import StateChange
from pipeline.domain.messages import MalformedMessage, TradeState
from pipeline.io.dead_letter import DeadLetter

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
    from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import (
        KinesisStreamRecord,
    )


def kinesis_dead_letter(function: str, record: KinesisStreamRecord, reason: str) -> DeadLetter:
    return DeadLetter(
        function=function,
        reason=reason,
        payload=record.kinesis.data,  # base64, exactly as received
        source={
            "eventID": record.event_id,
            "eventSourceARN": record.event_source_arn,
            "sequenceNumber": record.kinesis.sequence_number,
            "partitionKey": record.kinesis.partition_key,
        },
    )


def stream_dead_letter(function: str, record: DynamoDBRecord, reason: str) -> DeadLetter:
    raw: dict[str, Any] = record.raw_event.get("dynamodb", {})
    return DeadLetter(
        function=function,
        reason=reason,
        payload=json.dumps(raw, sort_keys=True, default=str),
        source={
            "eventID": record.event_id or "",
            "eventName": record.event_name.name if record.event_name else "",
            "eventSourceARN": record.event_source_arn or "",
            "sequenceNumber": (record.dynamodb.sequence_number or "") if record.dynamodb else "",
        },
    )


def _image(record: DynamoDBRecord, which: str) -> dict[str, Any]:
    if record.dynamodb is None:
        raise MalformedMessage("stream record has no dynamodb section")
    try:
        return record.dynamodb.new_image if which == "new" else record.dynamodb.old_image
    except (TypeError, ValueError, ArithmeticError) as error:
        raise MalformedMessage(f"{which} image is not valid DynamoDB JSON: {error}") from None


def state_change(record: DynamoDBRecord) -> StateChange:
    """The before and after of one StateTable write; MalformedMessage if an image is unusable."""
    if record.event_name is None:
        raise MalformedMessage("stream record has no eventName")
    new = _image(record, "new")
    old = _image(record, "old")
    if record.event_name is DynamoDBRecordEventName.REMOVE:
        new = {}
    return StateChange(
        old=TradeState.from_item(old) if old else None,
        new=TradeState.from_item(new) if new else None,
    )
