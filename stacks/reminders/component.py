"""Reminders scheduled from table writes, as a Pulumi component (README.md, "Reminders and
exact expiry").

    AppointmentTable --stream--> ReminderLambda --Create/Update/DeleteSchedule--> one-time
    schedules in the participant's group --SchedulerRole--> SES SendEmail | DynamoDB DeleteItem

Part of every stage's stack and the same in each (model.py): moving between lab stages leaves
it alone. Its two tables' shapes come from stacks/tables.py. Failures have somewhere to go at
both ends: records the function cannot schedule reach ReminderFailureQueue (malformed items sent
by the function with their reason, records the trigger gave up on sent by Lambda), and a target
call that fails for good reaches ReminderDeadLetterQueue (sent by Scheduler).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from stacks import naming, parts, tables
from stacks.naming import Names, output_key
from stacks.reminders import model as reminder_model
from stacks.reminders.policies import (
    FunctionArns,
    SchedulerArns,
    as_json,
    function_document,
    scheduler_document,
    scheduler_trust,
)

COMPONENT_TYPE = "leda:reminders:ReminderScheduling"
COMPONENT_SUFFIX = "ReminderScheduling"
DEFAULT_TIMEZONE = "UTC"


@dataclass(frozen=True)
class ReminderArgs:
    code: Path  # the `sam build` folder of ReminderLambda
    sender_email: str  # a verified SES identity: the only From address the schedules may use
    default_timezone: str = DEFAULT_TIMEZONE
    lambda_runtime: str = "python3.11"


class ReminderScheduling(pulumi.ComponentResource):
    """The appointments table, its stream trigger, the reminder function, the schedule group,
    the scheduler's role and both failure queues of one participant.

    The component is named `<prefix>-ReminderScheduling`; every child's logical and physical
    name is `<prefix>-<LogicalName>`, except the schedule group's physical name,
    `<prefix>-Reminders` (see naming.SCHEDULE_GROUP_SUFFIX).
    """

    exports: dict[str, pulumi.Output[str]]  # every name a participant needs

    def __init__(
        self, prefix: str, args: ReminderArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        if not naming.PREFIX_PATTERN.fullmatch(prefix):
            raise ValueError(f"name prefix {prefix!r}: {naming.PREFIX_CHARACTERS}")
        names = Names(prefix)
        super().__init__(COMPONENT_TYPE, names.of(COMPONENT_SUFFIX), None, opts)
        self._names = names
        self._args = args
        self._tags = {"project": "leda", "leda-participant": prefix}

        self.table = parts.table(names, tables.APPOINTMENT_TABLE, self._tags, self)
        self.idempotency_table = parts.table(
            names, tables.REMINDER_IDEMPOTENCY_TABLE, self._tags, self
        )
        self.failure_queue = self._queue(naming.REMINDER_FAILURE_QUEUE)
        self.dead_letter_queue = self._queue(naming.REMINDER_DEAD_LETTER_QUEUE)
        self.schedule_group = self._schedule_group()
        self.scheduler_role, self.scheduler_policy = self._scheduler_role()
        self.function, self.function_policy = self._function()
        self.trigger = self._trigger()

        self.exports = self._exports()
        self.register_outputs(dict(self.exports))

    def _child(self, *depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, depends_on=list(depends_on) or None)

    # --- stateful ------------------------------------------------------------------------------

    def _queue(self, logical: str) -> aws.sqs.Queue:
        return parts.queue(self._names.of(logical), self._tags, self)

    def _schedule_group(self) -> aws.scheduler.ScheduleGroup:
        # Deleting a group deletes its schedules: it holds the pending reminders
        # (stacks/mocks/stateful.py).
        return aws.scheduler.ScheduleGroup(
            self._names.of(naming.REMINDER_SCHEDULE_GROUP),
            name=self._names.schedule_group(),
            tags=self._tags,
            opts=self._child(),
        )

    # --- who calls what --------------------------------------------------------------------------

    def _function_policy(self, log_group_arn: pulumi.Output[str]) -> pulumi.Output[str]:
        return pulumi.Output.all(
            self.schedule_group.arn,
            self.table.arn,
            log_group_arn,
            self.scheduler_role.arn,
            self.failure_queue.arn,
            self.idempotency_table.arn,
        ).apply(lambda values: as_json(function_document(FunctionArns(*values))))

    def _scheduler_role(self) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
        names = self._names
        sender = self._args.sender_email
        role = aws.iam.Role(
            names.of(naming.SCHEDULER_ROLE),
            name=names.of(naming.SCHEDULER_ROLE),
            assume_role_policy=self.schedule_group.arn.apply(
                lambda arn: as_json(scheduler_trust(arn))
            ),
            tags=self._tags,
            opts=self._child(),
        )
        document = pulumi.Output.all(
            self.schedule_group.arn, self.table.arn, self.dead_letter_queue.arn
        ).apply(lambda values: as_json(scheduler_document(SchedulerArns(*values), sender)))
        policy = aws.iam.RolePolicy(
            names.of(naming.SCHEDULER_POLICY),
            name=names.of(naming.SCHEDULER_POLICY),
            role=role.id,
            policy=document,
            opts=self._child(),
        )
        return role, policy

    def _function(self) -> tuple[aws.lambda_.Function, aws.iam.RolePolicy]:
        spec = reminder_model.FUNCTION
        declared = parts.function(
            self._names,
            reminder_model.LOGICAL_ID,
            parts.FunctionCode(
                handler=spec.handler,
                code=self._args.code,
                runtime=self._args.lambda_runtime,
                memory_mb=spec.memory_mb,
                timeout_seconds=spec.timeout_seconds,
            ),
            policy=self._function_policy,
            environment=self._environment(),
            tags=self._tags,
            parent=self,
            # The role it hands to Scheduler must be able to deliver before the first
            # schedule fires.
            ready_after=[self.scheduler_policy],
        )
        return declared.function, declared.policy

    def _environment(self) -> dict[str, pulumi.Input[str]]:
        """Exactly what functions/reminder_lambda.py reads."""
        return {
            "SCHEDULE_GROUP_NAME": self.schedule_group.name,
            "SCHEDULER_ROLE_ARN": self.scheduler_role.arn,
            "TARGET_DEAD_LETTER_QUEUE_ARN": self.dead_letter_queue.arn,
            "SENDER_EMAIL": self._args.sender_email,
            "APPOINTMENT_TABLE_NAME": self.table.name,
            "DEFAULT_TIMEZONE": self._args.default_timezone,
            "FAILURE_QUEUE_URL": self.failure_queue.url,
            "IDEMPOTENCY_TABLE_NAME": self.idempotency_table.name,
        }

    def _trigger(self) -> aws.lambda_.EventSourceMapping:
        settings = reminder_model.TRIGGER
        return aws.lambda_.EventSourceMapping(
            self._names.trigger(reminder_model.LOGICAL_ID),
            function_name=self.function.name,
            event_source_arn=self.table.stream_arn,
            starting_position=settings.starting_position,
            batch_size=settings.batch_size,
            maximum_batching_window_in_seconds=settings.batching_window_seconds,
            function_response_types=list(settings.function_response_types),
            bisect_batch_on_function_error=settings.bisect_on_error,
            maximum_retry_attempts=settings.maximum_retry_attempts,
            maximum_record_age_in_seconds=settings.maximum_record_age_seconds,
            parallelization_factor=settings.parallelization_factor,
            destination_config={"on_failure": {"destination_arn": self.failure_queue.arn}},
            # Lambda checks at creation that the role may read the stream and reach the queue.
            opts=self._child(self.function_policy),
        )

    # --- what a participant needs ----------------------------------------------------------------

    def _exports(self) -> dict[str, pulumi.Output[str]]:
        outputs: dict[str, pulumi.Output[str]] = {
            output_key(naming.APPOINTMENT_TABLE, "Name"): self.table.name,
            output_key(naming.REMINDER_IDEMPOTENCY_TABLE, "Name"): self.idempotency_table.name,
            output_key(naming.REMINDER_FUNCTION, "Name"): self.function.name,
            "scheduleGroupName": self.schedule_group.name,
            "schedulerRoleArn": self.scheduler_role.arn,
        }
        for logical, queue in (
            (naming.REMINDER_FAILURE_QUEUE, self.failure_queue),
            (naming.REMINDER_DEAD_LETTER_QUEUE, self.dead_letter_queue),
        ):
            outputs[output_key(logical, "Name")] = queue.name
            outputs[output_key(logical, "Url")] = queue.url
        outputs["senderEmail"] = pulumi.Output.from_input(self._args.sender_email)
        outputs["defaultTimezone"] = pulumi.Output.from_input(self._args.default_timezone)
        return outputs
