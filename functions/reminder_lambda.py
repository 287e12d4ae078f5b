"""ReminderLambda: appointments table stream -> one-time EventBridge schedules.

A write schedules a reminder email at the time the item names (and, with EXPIRES_AT, the item's
deletion); a move updates the schedule, a delete cancels it. Records are handled one by one and
reported with ReportBatchItemFailures.

Two kinds of failure, two routes, nothing dropped:
- a malformed item (unparsable time, missing or invalid email) can never succeed, so retrying it
  would only hold up its shard: the function sends it, with its reason, to the failure queue
  (the same queue that is the trigger's on-failure destination, which on its own receives batch
  metadata only, never a reason) and the batch goes on;
- a transient error (throttling, the network, the failure queue itself refusing) fails its
  record, so the trigger retries it (bounded) and in the end hands its metadata to that same
  queue.

Each stream record is processed once (Powertools idempotency, keyed by the record's eventID,
in IDEMPOTENCY_TABLE_NAME). Schedule names alone do not make a redelivery harmless: once a
reminder has fired, its schedule deletes itself, and the same record delivered again (the
trigger resends the records after a failed one, or a whole batch after a timeout) would make it
anew, at once if its time has passed: a second email. A record seen before is skipped instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from leda_lambda import clients, dead_letter, settings
from leda_lambda.container import once
from leda_reminders.items import BadAppointment
from leda_reminders.lifecycle import Action, cancellation, plan
from leda_reminders.scheduler_writer import ScheduleWriter, TargetSettings

FUNCTION_NAME = "ReminderLambda"
# Where malformed items go, with their reason; without it their records fail instead.
FAILURE_QUEUE_URL = "FAILURE_QUEUE_URL"
# Longer than any record can be delivered for: the trigger gives up on records older than an
# hour (its MaximumRecordAgeInSeconds), so a redelivery always finds its record here.
IDEMPOTENCY_SECONDS = 2 * 3600
idempotency = IdempotencyConfig(
    event_key_jmespath="eventID",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=IDEMPOTENCY_SECONDS,
)

logger = Logger(service="reminder-lambda")
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@once
def _writer() -> ScheduleWriter:
    return ScheduleWriter(
        clients.scheduler(),
        TargetSettings(
            group=settings.required("SCHEDULE_GROUP_NAME"),
            role_arn=settings.required("SCHEDULER_ROLE_ARN"),
            dead_letter_arn=settings.required("TARGET_DEAD_LETTER_QUEUE_ARN"),
            sender=settings.required("SENDER_EMAIL"),
            table_name=settings.required("APPOINTMENT_TABLE_NAME"),
        ),
    )


def _schedule(record: DynamoDBRecord) -> None:
    stream = record.dynamodb
    name = record.event_name.name if record.event_name else ""
    try:
        actions = plan(
            name,
            stream.old_image or None if stream else None,
            stream.new_image or None if stream else None,
            settings.optional("DEFAULT_TIMEZONE") or "UTC",
            dt.datetime.now(dt.UTC),
        )
    except BadAppointment as bad:
        logger.warning(
            "appointment cannot be scheduled",
            extra={"reason": bad.reason, "eventID": record.event_id},
        )
        # An item changed into one that cannot be scheduled keeps no reminder: better none
        # than one at a time or to an address the item no longer holds.
        actions = cancellation(stream.new_image or {}) if name == "MODIFY" and stream else []
        _apply(actions)
        # Raises (so the record fails and is retried) if the queue cannot take it, or if
        # FAILURE_QUEUE_URL is not set.
        dead_letter.queue(FAILURE_QUEUE_URL).send(
            [dead_letter.stream_letter(FUNCTION_NAME, record, bad.reason)]
        )
        return
    _apply(actions)


def _apply(actions: list[Action]) -> None:
    for action in actions:
        outcome = _writer().apply(action)
        logger.info(
            "schedule",
            extra={"schedule": action.schedule_name, "outcome": outcome, "kind": action.kind.value},
        )


@once
def _idempotent_schedule() -> Any:
    """_schedule, once per stream record; built on first use, when the environment is set."""
    store = DynamoDBPersistenceLayer(
        table_name=settings.required("IDEMPOTENCY_TABLE_NAME"),
        boto3_client=clients.dynamodb(),
    )
    return idempotent_function(
        data_keyword_argument="record", config=idempotency, persistence_store=store
    )(_schedule)


def record_handler(record: DynamoDBRecord) -> None:
    _idempotent_schedule()(record=record)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    idempotency.register_lambda_context(context)
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
