"""Turning StateTable stream records into domain values (the state changes Map aggregates)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecordEventName,
)

from leda_pipeline.domain.aggregation import StateChange
from leda_pipeline.domain.messages import MalformedMessage, TradeState

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord


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
