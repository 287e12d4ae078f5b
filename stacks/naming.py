"""Physical names: `<prefix>-<LogicalName>`, checked against the tightest AWS limit they feed.

Every resource is named explicitly (no random suffix) so that a participant, the offline
runtime and the functions' log groups can find it by name, and a participant's resources never
collide with another's in the same account. The logical name of each resource in the stack is
the same string, so the stack reads like the AWS console.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from stacks.stage_model import FunctionId, Target

# Characters every name the prefix feeds accepts (Lambda functions, IAM roles and policies,
# DynamoDB tables, Kinesis streams, SQS queues, log groups, EventBridge rules, Scheduler
# schedule groups).
PREFIX_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
PREFIX_CHARACTERS = "letters, digits, '-' and '_', starting with a letter or digit"

ROLE_SUFFIX = "Role"
POLICY_SUFFIX = "Policy"
LOGS_SUFFIX = "Logs"
TRIGGER_SUFFIX = "Trigger"
SCHEDULE = "GeneratorSchedule"
SCHEDULE_TARGET = "GeneratorScheduleTarget"
SCHEDULE_PERMISSION = "GeneratorSchedulePermission"
LOG_GROUP_PREFIX = "/aws/lambda/"

# The reminders (stacks/reminders/): the same resources in every stage.
REMINDER_FUNCTION = "ReminderLambda"  # also the SAM LogicalId of its artifact
APPOINTMENT_TABLE = "AppointmentTable"
REMINDER_IDEMPOTENCY_TABLE = "ReminderIdempotencyTable"
REMINDER_FAILURE_QUEUE = "ReminderFailureQueue"
REMINDER_DEAD_LETTER_QUEUE = "ReminderDeadLetterQueue"
REMINDER_SCHEDULE_GROUP = "ReminderScheduleGroup"  # the resource's logical name
# The group's physical name is shorter than its logical one: schedule group names stop at 64,
# and `<prefix>-ReminderScheduleGroup` would cap the prefix below 44.
SCHEDULE_GROUP_SUFFIX = "Reminders"
SCHEDULER_ROLE = "SchedulerRole"
SCHEDULER_POLICY = "SchedulerPolicy"
# Scheduler's rule for schedule group (and schedule) names.
SCHEDULE_GROUP_PATTERN = re.compile(r"[0-9A-Za-z_.-]{1,64}", re.ASCII)


def _limited_names() -> Iterable[tuple[str, int]]:
    """(logical name, AWS length limit) of every physical name built from the prefix."""
    for function in FunctionId:
        yield function.value, 64  # Lambda function name
        yield function.value + ROLE_SUFFIX, 64  # IAM role name
        yield function.value + POLICY_SUFFIX, 128  # IAM inline policy name
    for target in (Target.DEAD_LETTER_QUEUE, Target.TRIGGER_FAILURE_QUEUE):
        yield target.value, 80  # SQS queue name
    yield Target.INCOMING_STREAM.value, 128  # Kinesis stream name
    for table in (
        Target.STATE_TABLE,
        Target.REDUCE_TABLE,
        Target.AGGREGATE_TABLE,
        Target.PARAMETER_TABLE,
    ):
        yield table.value, 255  # DynamoDB table name
    yield SCHEDULE, 64  # EventBridge rule name
    yield REMINDER_FUNCTION, 64  # Lambda function name
    yield REMINDER_FUNCTION + ROLE_SUFFIX, 64  # IAM role name
    yield REMINDER_FUNCTION + POLICY_SUFFIX, 128  # IAM inline policy name
    yield APPOINTMENT_TABLE, 255  # DynamoDB table name
    yield REMINDER_IDEMPOTENCY_TABLE, 255
    for queue in (REMINDER_FAILURE_QUEUE, REMINDER_DEAD_LETTER_QUEUE):
        yield queue, 80  # SQS queue name
    yield SCHEDULE_GROUP_SUFFIX, 64  # EventBridge Scheduler schedule group name
    yield SCHEDULER_ROLE, 64  # IAM role name
    yield SCHEDULER_POLICY, 128  # IAM inline policy name


def output_key(logical: str, suffix: str) -> str:
    """The stack output naming a resource: `StateTable`, `Name` -> `stateTableName`."""
    return logical[0].lower() + logical[1:] + suffix


def max_prefix_length() -> int:
    """The longest prefix for which every `<prefix>-<name>` stays within its limit."""
    return min(limit - len(name) - 1 for name, limit in _limited_names())


class Names:
    """The physical (and logical) names of one participant's pipeline."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def of(self, logical: str) -> str:
        return f"{self.prefix}-{logical}"

    # A function is named by its logical id: a pipeline `FunctionId` (a str) or
    # `REMINDER_FUNCTION`.

    def function(self, function: str) -> str:
        return self.of(function)

    def role(self, function: str) -> str:
        return self.of(function + ROLE_SUFFIX)

    def policy(self, function: str) -> str:
        return self.of(function + POLICY_SUFFIX)

    def log_group_resource(self, function: str) -> str:
        return self.of(function + LOGS_SUFFIX)

    def log_group(self, function: str) -> str:
        """Lambda's default log group for the function, created here with a retention."""
        return LOG_GROUP_PREFIX + self.function(function)

    def trigger(self, function: str) -> str:
        return self.of(function + TRIGGER_SUFFIX)

    def schedule_group(self) -> str:
        """The physical name of the reminders' schedule group."""
        return self.of(SCHEDULE_GROUP_SUFFIX)

    def target(self, target: Target) -> str:
        return self.of(target.value)

    def short(self, name: str) -> str:
        """The logical name without the participant's prefix (for reports)."""
        lead = self.prefix + "-"
        return name[len(lead) :] if name.startswith(lead) else name
