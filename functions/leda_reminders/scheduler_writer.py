"""The reminder function's only I/O: putting and deleting one-time EventBridge schedules.

Idempotent by construction: a schedule's name comes from the item's key, a create that finds
the name taken becomes an update with the same content, and deleting a missing schedule (already
fired and removed, or never made) is success. So a retried or duplicated stream record converges
on one schedule per appointment, without relying on ClientToken (which moto ignores).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from leda_reminders.lifecycle import Action, ActionKind, EmailTarget, ExpireTarget

if TYPE_CHECKING:
    from mypy_boto3_scheduler import EventBridgeSchedulerClient

# Universal targets: Scheduler calls the API itself with `Input` as the request.
SEND_EMAIL_ARN = "arn:aws:scheduler:::aws-sdk:ses:sendEmail"
DELETE_ITEM_ARN = "arn:aws:scheduler:::aws-sdk:dynamodb:deleteItem"


@dataclass(frozen=True, slots=True)
class TargetSettings:
    group: str
    role_arn: str  # the role Scheduler assumes to call the target
    dead_letter_arn: str
    sender: str  # the verified SES identity mail is sent from
    table_name: str  # where expiring items live
    maximum_retry_attempts: int = 3  # Scheduler allows 0-185
    maximum_event_age_seconds: int = 3600  # and 60-86,400


def target_input(action: Action, settings: TargetSettings) -> dict[str, Any]:
    """The API request the schedule's target makes when it fires."""
    target = action.target
    if isinstance(target, EmailTarget):
        return {
            "Source": settings.sender,
            "Destination": {"ToAddresses": [target.to_address]},
            "Message": {
                "Subject": {"Data": target.subject},
                "Body": {"Text": {"Data": target.body}},
            },
        }
    if isinstance(target, ExpireTarget):
        return {
            "TableName": settings.table_name,
            "Key": {"PK": {"S": target.pk}, "SK": {"S": target.sk}},
            # Only if the expiry is still this one: a moved expiry never deletes early.
            "ConditionExpression": "#expires = :expires",
            "ExpressionAttributeNames": {"#expires": target.attribute},
            "ExpressionAttributeValues": {":expires": {"S": target.expires_at}},
        }
    raise ValueError(f"{action.kind} has no target")


def schedule_request(action: Action, settings: TargetSettings) -> dict[str, Any]:
    assert action.time is not None
    arn = SEND_EMAIL_ARN if isinstance(action.target, EmailTarget) else DELETE_ITEM_ARN
    return {
        "Name": action.schedule_name,
        "GroupName": settings.group,
        "ScheduleExpression": action.time.expression,
        "ScheduleExpressionTimezone": action.time.timezone,
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "ActionAfterCompletion": "DELETE",
        "Target": {
            "Arn": arn,
            "RoleArn": settings.role_arn,
            "Input": json.dumps(target_input(action, settings), sort_keys=True),
            "RetryPolicy": {
                "MaximumRetryAttempts": settings.maximum_retry_attempts,
                "MaximumEventAgeInSeconds": settings.maximum_event_age_seconds,
            },
            "DeadLetterConfig": {"Arn": settings.dead_letter_arn},
        },
    }


class ScheduleWriter:
    def __init__(self, client: EventBridgeSchedulerClient, settings: TargetSettings) -> None:
        self._client = client
        self._settings = settings

    def apply(self, action: Action) -> str:
        """Carry out one action; says what was done (created, updated, deleted, absent)."""
        errors = self._client.exceptions
        if action.kind is ActionKind.DELETE:
            try:
                self._client.delete_schedule(
                    Name=action.schedule_name, GroupName=self._settings.group
                )
            except errors.ResourceNotFoundException:
                return "absent"
            return "deleted"
        request = schedule_request(action, self._settings)
        try:
            self._client.create_schedule(**request)
        except errors.ConflictException:
            self._client.update_schedule(**request)
            return "updated"
        return "created"
