"""The reminders' component (README.md, "Reminders and exact expiry") is part of every stage's
stack, the same in each: the appointments table and its stream trigger, the function with
exactly the variables functions/reminder_lambda.py reads, the schedule group, both queues, and
the exports.

Expectations are written out here, independently of stacks/reminders/ and
stacks/tables.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stacks.mocks.cloud import ACCOUNT
from tests.stacks.conftest import RunStage
from tests.stacks.helpers import (
    FUNCTION,
    FUNCTIONS,
    STAGES,
    environment,
    function,
    short,
    triggers,
)

# (type, logical name without the prefix) of everything the component declares.
DECLARED = {
    ("leda:reminders:ReminderScheduling", "ReminderScheduling"),
    ("aws:dynamodb/table:Table", "AppointmentTable"),
    ("aws:dynamodb/table:Table", "ReminderIdempotencyTable"),
    ("aws:sqs/queue:Queue", "ReminderFailureQueue"),
    ("aws:sqs/queue:Queue", "ReminderDeadLetterQueue"),
    ("aws:scheduler/scheduleGroup:ScheduleGroup", "ReminderScheduleGroup"),
    ("aws:iam/role:Role", "SchedulerRole"),
    ("aws:iam/rolePolicy:RolePolicy", "SchedulerPolicy"),
    ("aws:cloudwatch/logGroup:LogGroup", "ReminderLambdaLogs"),
    ("aws:iam/role:Role", "ReminderLambdaRole"),
    ("aws:iam/rolePolicy:RolePolicy", "ReminderLambdaPolicy"),
    ("aws:lambda/function:Function", "ReminderLambda"),
    ("aws:lambda/eventSourceMapping:EventSourceMapping", "ReminderLambdaTrigger"),
}
MONITORING_TYPES = (
    "leda:monitoring:Monitoring",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:cloudwatch/dashboard:Dashboard",
)
PIPELINE_NAMES = (
    "IncomingDataStream",
    "StateTable",
    "ReduceTable",
    "AggregateTable",
    "ParameterTable",
    "DeadLetterQueue",
    "TriggerFailureQueue",
    "GeneratorSchedule",
    "GeneratorScheduleTarget",
    "GeneratorSchedulePermission",
)


def reminder_resources(run) -> set[tuple[str, str]]:
    """Everything declared that is not the pipeline's (its component, data, functions with
    their roles, policies, logs and triggers, and schedule) nor the monitoring's."""
    return {
        (resource.type, name)
        for resource in run.resources
        if resource.type not in MONITORING_TYPES
        and resource.type != "leda:pipeline:AggregationPipeline"
        and (name := run.short_names[resource.name]) not in PIPELINE_NAMES
        and not name.startswith(FUNCTIONS)
    }


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_declares_the_reminders(run_stage: RunStage, stage: str) -> None:
    assert reminder_resources(run_stage(stage)) == DECLARED


@pytest.mark.parametrize("stage", STAGES)
def test_appointment_table(run_stage: RunStage, stage: str) -> None:
    table = short(run_stage(stage), "AppointmentTable")
    inputs = table.inputs
    assert inputs["name"] == "leda-dev-AppointmentTable"
    assert (inputs["hashKey"], inputs["rangeKey"]) == ("PK", "SK")
    assert sorted(inputs["attributes"], key=lambda a: a["name"]) == [
        {"name": "PK", "type": "S"},
        {"name": "SK", "type": "S"},
    ]
    assert inputs["billingMode"] == "PAY_PER_REQUEST"
    assert (inputs["streamEnabled"], inputs["streamViewType"]) == (True, "NEW_AND_OLD_IMAGES")
    assert table.outputs["streamArn"].startswith(f"{table.arn}/stream/")


def test_queues_are_encrypted_and_keep_messages_14_days(run_stage: RunStage) -> None:
    run = run_stage("wired")
    for name in ("ReminderFailureQueue", "ReminderDeadLetterQueue"):
        inputs = short(run, name).inputs
        assert inputs["name"] == f"leda-dev-{name}"
        assert inputs["sqsManagedSseEnabled"] is True
        assert inputs["messageRetentionSeconds"] == 14 * 24 * 3600


def test_schedule_group_name_and_arn(run_stage: RunStage) -> None:
    group = short(run_stage("wired", participant="alice"), "ReminderScheduleGroup")
    assert group.inputs["name"] == "alice-Reminders"
    assert group.outputs["id"] == "alice-Reminders"
    assert group.arn == f"arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule-group/alice-Reminders"


def test_the_trigger_reads_the_appointment_stream_into_the_function(run_stage: RunStage) -> None:
    """Settings per key are in test_stages.EXPECTED_TRIGGERS; here, what it connects."""
    run = run_stage("fault-tolerant")
    mapping = triggers(run)["ReminderLambda"]
    assert mapping.name == "leda-dev-ReminderLambdaTrigger"
    assert mapping.inputs["functionName"] == function(run, "ReminderLambda").inputs["name"]
    assert mapping.inputs["eventSourceArn"] == short(run, "AppointmentTable").outputs["streamArn"]
    assert mapping.inputs["destinationConfig"] == {
        "onFailure": {"destinationArn": short(run, "ReminderFailureQueue").arn}
    }


@pytest.mark.parametrize("stage", STAGES)
def test_function_settings_and_artifact(
    run_stage: RunStage, artifacts_dir: Path, stage: str
) -> None:
    run = run_stage(stage)
    inputs = function(run, "ReminderLambda").inputs
    assert (inputs["handler"], inputs["memorySize"], inputs["timeout"]) == (
        "reminder_lambda.handler",
        256,
        30,
    )
    assert inputs["runtime"] == "python3.11"
    assert inputs["code"] == {"fileArchive": str(artifacts_dir / "ReminderLambda")}
    assert inputs["loggingConfig"]["logGroup"] == "/aws/lambda/leda-dev-ReminderLambda"
    assert short(run, "ReminderLambdaLogs").inputs["retentionInDays"] > 0
    assert inputs.get("reservedConcurrentExecutions") is None
    assert inputs["role"] == short(run, "ReminderLambdaRole").arn


@pytest.mark.parametrize("stage", STAGES)
def test_environment_is_exactly_what_the_function_reads(run_stage: RunStage, stage: str) -> None:
    run = run_stage(stage, participant="alice")
    assert environment(run, "ReminderLambda") == {
        "SCHEDULE_GROUP_NAME": "alice-Reminders",
        "SCHEDULER_ROLE_ARN": f"arn:aws:iam::{ACCOUNT}:role/alice-SchedulerRole",
        "TARGET_DEAD_LETTER_QUEUE_ARN": short(run, "ReminderDeadLetterQueue").arn,
        "SENDER_EMAIL": "reminders@example.com",
        "APPOINTMENT_TABLE_NAME": "alice-AppointmentTable",
        "DEFAULT_TIMEZONE": "UTC",
        "FAILURE_QUEUE_URL": short(run, "ReminderFailureQueue").outputs["url"],
        "IDEMPOTENCY_TABLE_NAME": "alice-ReminderIdempotencyTable",
    }


def test_the_functions_variables_name_the_declared_resources(run_stage: RunStage) -> None:
    run = run_stage("wired")
    variables = environment(run, "ReminderLambda")
    assert variables["SCHEDULER_ROLE_ARN"] == short(run, "SchedulerRole").arn
    assert variables["SCHEDULE_GROUP_NAME"] == short(run, "ReminderScheduleGroup").inputs["name"]
    assert variables["APPOINTMENT_TABLE_NAME"] == short(run, "AppointmentTable").inputs["name"]
    # The reminders do not depend on the lab stage: no code-path switch of the pipeline's.
    assert not {"STATE_WRITE", "REDUCE_IDEMPOTENCY", "GENERATOR_REFUSED_RECORDS"} & set(variables)


def test_config_reaches_the_function(run_stage: RunStage) -> None:
    run = run_stage(
        "broken",
        extra={
            "leda:senderEmail": "desk@clinic.example.org",
            "leda:defaultTimezone": "Europe/Paris",
            "leda:lambdaRuntime": "python3.13",
        },
    )
    variables = environment(run, "ReminderLambda")
    assert (variables["SENDER_EMAIL"], variables["DEFAULT_TIMEZONE"]) == (
        "desk@clinic.example.org",
        "Europe/Paris",
    )
    assert function(run, "ReminderLambda").inputs["runtime"] == "python3.13"
    assert {f.inputs["runtime"] for f in run.of_type(FUNCTION)} == {"python3.13"}
    assert (run.outputs["senderEmail"], run.outputs["defaultTimezone"]) == (
        "desk@clinic.example.org",
        "Europe/Paris",
    )


def test_outputs_name_everything_a_participant_needs(run_stage: RunStage) -> None:
    run = run_stage("broken", participant="alice")
    failure, dead = short(run, "ReminderFailureQueue"), short(run, "ReminderDeadLetterQueue")
    expected = {
        "appointmentTableName": "alice-AppointmentTable",
        "reminderIdempotencyTableName": "alice-ReminderIdempotencyTable",
        "reminderLambdaName": "alice-ReminderLambda",
        "scheduleGroupName": "alice-Reminders",
        "schedulerRoleArn": f"arn:aws:iam::{ACCOUNT}:role/alice-SchedulerRole",
        "reminderFailureQueueName": "alice-ReminderFailureQueue",
        "reminderFailureQueueUrl": failure.outputs["url"],
        "reminderDeadLetterQueueName": "alice-ReminderDeadLetterQueue",
        "reminderDeadLetterQueueUrl": dead.outputs["url"],
        "senderEmail": "reminders@example.com",
        "defaultTimezone": "UTC",
    }
    assert {key: run.outputs.get(key) for key in expected} == expected
    # Nothing of the pipeline's went missing in the merge.
    assert run.outputs["stateTableName"] == "alice-StateTable"
    assert run.outputs["stage"] == "broken"


def test_every_reminder_resource_is_tagged_with_its_participant(run_stage: RunStage) -> None:
    run = run_stage("wired", participant="alice")
    for typ, name in DECLARED:
        if typ.startswith("leda:") or typ == "aws:iam/rolePolicy:RolePolicy":
            continue  # components and inline policies carry no tags
        if typ == "aws:lambda/eventSourceMapping:EventSourceMapping":
            continue
        tags = short(run, name).inputs.get("tags")
        assert tags == {"project": "leda", "leda-participant": "alice"}, name


def test_the_idempotency_table_keeps_records_for_a_while_only(run_stage: RunStage) -> None:
    inputs = short(run_stage("wired"), "ReminderIdempotencyTable").inputs
    assert inputs["hashKey"] == "id"  # Powertools' default key attribute
    assert inputs["ttl"] == {"attributeName": "expiration", "enabled": True}
    assert not inputs.get("streamEnabled")  # its writes must not feed any function
