"""ReminderLambda: appointments table stream -> one-time EventBridge schedules.

A write schedules a reminder email at the time the item names (and, with EXPIRES_AT, the item's
deletion); a move updates the schedule, a delete cancels it. Records are handled one by one and
reported with ReportBatchItemFailures: a bad item fails alone (its reason in the log) while the
rest of the batch is scheduled; throttling or a network error fails its record too, so the
trigger retries it: nothing is dropped.
"""

from __future__ import annotations

import datetime as dt
import os
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config
from reminders.items import BadAppointment
from reminders.lifecycle import plan
from reminders.scheduler_writer import ScheduleWriter, TargetSettings

if TYPE_CHECKING:
    from mypy_boto3_scheduler import EventBridgeSchedulerClient

logger = Logger(service="reminder-lambda")
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise RuntimeError(f"environment variable {name} is not set")
    return value


@cache
def _scheduler() -> EventBridgeSchedulerClient:
    return boto3.client("scheduler", config=Config(retries={"mode": "standard"}))


@cache
def _writer() -> ScheduleWriter:
    return ScheduleWriter(
        _scheduler(),
        TargetSettings(
            group=_required("SCHEDULE_GROUP_NAME"),
            role_arn=_required("SCHEDULER_ROLE_ARN"),
            dead_letter_arn=_required("TARGET_DEAD_LETTER_QUEUE_ARN"),
            sender=_required("SENDER_EMAIL"),
            table_name=_required("APPOINTMENT_TABLE_NAME"),
        ),
    )


def record_handler(record: DynamoDBRecord) -> None:
    stream = record.dynamodb
    name = record.event_name.name if record.event_name else ""
    try:
        actions = plan(
            name,
            stream.old_image or None if stream else None,
            stream.new_image or None if stream else None,
            os.environ.get("DEFAULT_TIMEZONE") or "UTC",
            dt.datetime.now(dt.UTC),
        )
    except BadAppointment as bad:
        logger.warning(
            "appointment cannot be scheduled",
            extra={"reason": bad.reason, "eventID": record.event_id},
        )
        raise
    for action in actions:
        outcome = _writer().apply(action)
        logger.info(
            "schedule",
            extra={"schedule": action.schedule_name, "outcome": outcome, "kind": action.kind.value},
        )


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
