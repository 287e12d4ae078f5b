"""The reminders' three policy documents: the function's role, the scheduler's role and who may
assume the latter. Pure functions of resolved ARNs, so the tests read them as AWS would.

Least privilege, written out: each statement names its actions one by one and resources of this
participant only. The wildcards are where a name is not known in advance: a stream's label
(`<table ARN>/stream/*`), the log streams of the function's own log group, and the schedules
inside the participant's own group (`schedule/<group>/*`; the function names them from the
item's key). No `Resource: "*"` anywhere.

Account, region and partition come from the schedule group's ARN: the program makes no
provider calls (no `get_caller_identity`), so it runs the same under the mocks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from stacks.iam import LOG_ACTIONS, log_stream_arn, stream_records_arn
from stacks.stage_model import DYNAMODB_STREAM_READ

VERSION = "2012-10-17"
SCHEDULER_SERVICE = "scheduler.amazonaws.com"
# What functions/leda_reminders/scheduler_writer.py calls, plus GetSchedule to read a schedule back
# when looking into a reminder; never ListSchedules (its resource is the whole account).
SCHEDULE_ACTIONS = (
    "scheduler:CreateSchedule",
    "scheduler:DeleteSchedule",
    "scheduler:GetSchedule",
    "scheduler:UpdateSchedule",
)
# The schedules' targets: SES SendEmail (the reminder) and DynamoDB DeleteItem (the expiry),
# called by Scheduler with the execution role; and the dead-letter queue Scheduler writes to,
# with the same role, when a target call fails for good.
SEND_EMAIL_ACTIONS = ("ses:SendEmail",)
EXPIRE_ACTIONS = ("dynamodb:DeleteItem",)
SEND_MESSAGE = ("sqs:SendMessage",)
# What Powertools' DynamoDB persistence layer calls: a conditional put of the in-progress
# record, a get when it exists, an update on success and a delete when the record failed.
IDEMPOTENCY_ACTIONS = (
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
)


@dataclass(frozen=True)
class GroupArn:
    """`arn:<partition>:scheduler:<region>:<account>:schedule-group/<name>`, taken apart."""

    partition: str
    region: str
    account: str
    name: str

    @classmethod
    def parse(cls, arn: str) -> GroupArn:
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[2] != "scheduler" or not parts[5].startswith("schedule-group/"):
            raise ValueError(f"not a schedule group ARN: {arn!r}")
        return cls(parts[1], parts[3], parts[4], parts[5].removeprefix("schedule-group/"))

    def _scheduler(self, path: str) -> str:
        return f"arn:{self.partition}:scheduler:{self.region}:{self.account}:{path}"

    @property
    def arn(self) -> str:
        return self._scheduler(f"schedule-group/{self.name}")

    @property
    def schedules(self) -> str:
        """Every schedule in this group, and in no other."""
        return self._scheduler(f"schedule/{self.name}/*")

    @property
    def ses_identities(self) -> str:
        """Every SES identity of this account and region. SES authorises a send against the
        sender's identity and, in the sandbox, each recipient's too, so naming the sender's
        alone would refuse every reminder there; the ses:FromAddress condition is what keeps
        the role to the configured sender."""
        return f"arn:{self.partition}:ses:{self.region}:{self.account}:identity/*"


@dataclass(frozen=True)
class FunctionArns:
    """The resolved ARNs the function's policy names."""

    schedule_group: str
    table: str
    log_group: str
    scheduler_role: str
    failure_queue: str
    idempotency_table: str


@dataclass(frozen=True)
class SchedulerArns:
    """The resolved ARNs the scheduler's policy names."""

    schedule_group: str
    table: str
    dead_letter_queue: str


def _allow(
    sid: str, actions: tuple[str, ...], resources: list[str], **extra: Any
) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": resources, **extra}


def function_document(arns: FunctionArns) -> dict[str, Any]:
    """ReminderLambda's role: read the appointments stream, manage the group's schedules, pass
    the scheduler's role to Scheduler only, report failures."""
    group = GroupArn.parse(arns.schedule_group)
    statements = [
        _allow("WriteOwnLogs", LOG_ACTIONS, [arns.log_group, log_stream_arn(arns.log_group)]),
        _allow("ReadAppointmentStream", DYNAMODB_STREAM_READ, [stream_records_arn(arns.table)]),
        _allow("ManageOwnSchedules", SCHEDULE_ACTIONS, [group.schedules]),
        _allow(
            "PassSchedulerRole",
            ("iam:PassRole",),
            [arns.scheduler_role],
            Condition={"StringEquals": {"iam:PassedToService": SCHEDULER_SERVICE}},
        ),
        # Malformed items (sent by the function, with their reason) and, as the trigger's
        # on-failure destination, the records it gave up on (sent by Lambda with this role).
        _allow("ReportFailures", SEND_MESSAGE, [arns.failure_queue]),
        # Powertools idempotency: one record per stream record processed.
        _allow("RememberProcessedRecords", IDEMPOTENCY_ACTIONS, [arns.idempotency_table]),
    ]
    return {"Version": VERSION, "Statement": statements}


def scheduler_document(arns: SchedulerArns, sender: str) -> dict[str, Any]:
    """The schedules' execution role: mail from the configured sender only, delete items of the
    appointments table only, dead-letter to the reminders' own queue."""
    group = GroupArn.parse(arns.schedule_group)
    statements = [
        _allow(
            "SendRemindersFromSender",
            SEND_EMAIL_ACTIONS,
            [group.ses_identities],
            Condition={"StringEquals": {"ses:FromAddress": sender}},
        ),
        _allow("ExpireAppointments", EXPIRE_ACTIONS, [arns.table]),
        _allow("DeadLetterFailedTargets", SEND_MESSAGE, [arns.dead_letter_queue]),
    ]
    return {"Version": VERSION, "Statement": statements}


def scheduler_trust(schedule_group_arn: str) -> dict[str, Any]:
    """Only Scheduler, acting for a schedule of this participant's group, may assume the role.

    Confused-deputy guard: `aws:SourceAccount` and `aws:SourceArn`. Scheduler's guide asks for
    the schedule group's ARN as the source (it has also shown the group's schedules); both
    patterns are listed, either names this group only.
    """
    group = GroupArn.parse(schedule_group_arn)
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": SCHEDULER_SERVICE},
        "Action": "sts:AssumeRole",
        "Condition": {
            "StringEquals": {"aws:SourceAccount": group.account},
            "ArnLike": {"aws:SourceArn": [group.arn, group.schedules]},
        },
    }
    return {"Version": VERSION, "Statement": [statement]}


def as_json(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True)
