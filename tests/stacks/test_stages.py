"""Each stage deploys exactly the workshop's state (README.md, "Lab stages and AWS").

The expectations are written out here, independently of stacks/stage_model.py, so a wrong
model fails these tests instead of defining what they expect.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from stacks.stage_model import Stage
from tests.stacks.conftest import RunStage
from tests.stacks.helpers import FUNCTIONS, STAGES, arns, environment, function, short, triggers

# What every trigger must look like, per stage: (source, settings).
MAP = (
    "StateTable stream",
    {
        "batchSize": 10_000,
        "maximumBatchingWindowInSeconds": 3,
        "startingPosition": "LATEST",
        "maximumRetryAttempts": -1,
        "maximumRecordAgeInSeconds": -1,
        "bisectBatchOnFunctionError": False,
        "parallelizationFactor": 1,
        "destinationConfig": None,
    },
)
REDUCE = (
    "ReduceTable stream",
    {
        "batchSize": 1_000,
        "maximumBatchingWindowInSeconds": 0,
        "startingPosition": "TRIM_HORIZON",
        "maximumRetryAttempts": -1,
        "maximumRecordAgeInSeconds": -1,
        "bisectBatchOnFunctionError": False,
        "parallelizationFactor": 1,
        "destinationConfig": None,
    },
)
STATE_WIRED = (
    "IncomingDataStream",
    {
        "batchSize": 100,
        "maximumBatchingWindowInSeconds": 0,
        "startingPosition": "LATEST",
        "maximumRetryAttempts": -1,
        "bisectBatchOnFunctionError": False,
        "destinationConfig": None,
    },
)
STATE_HARDENED = (
    "IncomingDataStream",
    {
        "batchSize": 100,
        "maximumBatchingWindowInSeconds": 0,
        "startingPosition": "LATEST",
        "maximumRetryAttempts": 10,
        "bisectBatchOnFunctionError": True,
        "destinationConfig": {"onFailure": {"destinationArn": "TriggerFailureQueue"}},
    },
)
# The reminders' trigger, the same in every stage: per-record failures reported, bisect, bounded
# retries and age, and an on-failure queue, so one bad record never holds up its shard for long.
REMINDER = (
    "AppointmentTable stream",
    {
        "batchSize": 10,
        "maximumBatchingWindowInSeconds": 1,
        "startingPosition": "TRIM_HORIZON",
        "maximumRetryAttempts": 3,
        "maximumRecordAgeInSeconds": 3600,
        "bisectBatchOnFunctionError": True,
        "parallelizationFactor": 1,
        "functionResponseTypes": ["ReportBatchItemFailures"],
        "destinationConfig": {"onFailure": {"destinationArn": "ReminderFailureQueue"}},
    },
)
EXPECTED_TRIGGERS: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {
    "broken": {"MapLambda": MAP, "ReminderLambda": REMINDER},
    "wired": {
        "StateLambda": STATE_WIRED,
        "MapLambda": MAP,
        "ReduceLambda": REDUCE,
        "ReminderLambda": REMINDER,
    },
    # Lab 2 changes code only: the triggers stay as lab 1 left them.
    "fault-tolerant": {
        "StateLambda": STATE_WIRED,
        "MapLambda": MAP,
        "ReduceLambda": REDUCE,
        "ReminderLambda": REMINDER,
    },
    "hardened": {
        "StateLambda": STATE_HARDENED,
        "MapLambda": MAP,
        "ReduceLambda": REDUCE,
        "ReminderLambda": REMINDER,
    },
}


@pytest.mark.parametrize("stage", STAGES)
def test_triggers_per_stage(run_stage: RunStage, stage: str) -> None:
    run = run_stage(stage)
    found = triggers(run)
    assert set(found) == set(EXPECTED_TRIGGERS[stage])
    names = {arn: name for name, arn in arns(run).items()}
    for name, (source, settings) in EXPECTED_TRIGGERS[stage].items():
        inputs = found[name].inputs
        assert names[inputs["eventSourceArn"]] == source, name
        for key, expected in settings.items():
            actual = inputs.get(key)
            if key == "destinationConfig" and actual is not None:
                actual = {
                    "onFailure": {"destinationArn": names[actual["onFailure"]["destinationArn"]]}
                }
            assert actual == expected, f"{stage} {name} {key}"


@pytest.mark.parametrize(
    ("stage", "stream"),
    [("broken", False), ("wired", True), ("fault-tolerant", True), ("hardened", True)],
)
def test_reduce_table_stream(run_stage: RunStage, stage: str, stream: bool) -> None:
    run = run_stage(stage)
    reduce_table = short(run, "ReduceTable")
    assert reduce_table.inputs["streamEnabled"] is stream
    assert reduce_table.inputs.get("streamViewType") == ("NEW_AND_OLD_IMAGES" if stream else None)
    assert bool(reduce_table.outputs["streamArn"]) is stream
    state_table = short(run, "StateTable")
    assert state_table.inputs["streamEnabled"] is True
    assert state_table.inputs["streamViewType"] == "NEW_AND_OLD_IMAGES"


@pytest.mark.parametrize(
    ("stage", "reserved"), [("broken", None), ("wired", 1), ("fault-tolerant", 1), ("hardened", 1)]
)
def test_reserved_concurrency(run_stage: RunStage, stage: str, reserved: int | None) -> None:
    run = run_stage(stage)
    assert function(run, "ReduceLambda").inputs.get("reservedConcurrentExecutions") == reserved
    for name in ("GeneratorLambda", "StateLambda", "MapLambda"):
        assert function(run, name).inputs.get("reservedConcurrentExecutions") is None


ENVIRONMENT = {
    "GeneratorLambda": {
        "PARAMETER_TABLE_NAME",
        "STREAM_NAME",
        "AGGREGATE_TABLE_NAME",
        "BURST_CALLS",
        "BURST_RECORDS_PER_CALL",
        "CHECK_DELAY_SECONDS",
    },
    "StateLambda": {
        "PARAMETER_TABLE_NAME",
        "STATE_TABLE_NAME",
        "MAX_MESSAGE_AGE_SECONDS",
    },
    "MapLambda": {"PARAMETER_TABLE_NAME", "REDUCE_TABLE_NAME"},
    "ReduceLambda": {"PARAMETER_TABLE_NAME", "AGGREGATE_TABLE_NAME"},
}
# The code path of each function, per stage (README.md's stage table): lab 1 keeps the
# workshop's unconditional write, a plain transaction, a Map that returns 500 on a failed
# write and a generator that drops refused records; lab 2 changes the write (a condition) and
# the transaction (a token) only; hardened fixes all four.
LAB_1_CODE = {
    "GeneratorLambda": {"GENERATOR_REFUSED_RECORDS": "drop"},
    "StateLambda": {"STATE_WRITE": "unconditional"},
    "MapLambda": {"MAP_WRITE_ERRORS": "return-500"},
    "ReduceLambda": {"REDUCE_IDEMPOTENCY": "none"},
}
SWITCHES = {
    "broken": LAB_1_CODE,
    "wired": LAB_1_CODE,
    "fault-tolerant": {
        "GeneratorLambda": {"GENERATOR_REFUSED_RECORDS": "drop"},
        "StateLambda": {"STATE_WRITE": "version-conditional"},
        "MapLambda": {"MAP_WRITE_ERRORS": "return-500"},
        "ReduceLambda": {"REDUCE_IDEMPOTENCY": "token"},
    },
    "hardened": {
        "GeneratorLambda": {"GENERATOR_REFUSED_RECORDS": "resend"},
        "StateLambda": {"STATE_WRITE": "version-conditional-batched"},
        "MapLambda": {"MAP_WRITE_ERRORS": "raise"},
        "ReduceLambda": {"REDUCE_IDEMPOTENCY": "token-and-marker"},
    },
}
DEAD_LETTER_USERS = ("StateLambda", "MapLambda", "ReduceLambda")


@pytest.mark.parametrize("stage", STAGES)
def test_environment_per_stage(run_stage: RunStage, stage: str) -> None:
    run = run_stage(stage)
    queue_url = short(run, "DeadLetterQueue").outputs["url"]
    for name in FUNCTIONS:
        variables = environment(run, name)
        expected = set(ENVIRONMENT[name]) | set(SWITCHES[stage][name])
        if stage == "hardened" and name in DEAD_LETTER_USERS:
            expected.add("DEAD_LETTER_QUEUE_URL")
            assert variables["DEAD_LETTER_QUEUE_URL"] == queue_url
        assert set(variables) == expected, name
        assert {k: variables[k] for k in SWITCHES[stage][name]} == SWITCHES[stage][name], name
        assert variables["PARAMETER_TABLE_NAME"] == short(run, "ParameterTable").inputs["name"]
    assert environment(run, "GeneratorLambda")["CHECK_DELAY_SECONDS"] == "30"
    assert environment(run, "StateLambda")["MAX_MESSAGE_AGE_SECONDS"] == "60"


def test_environment_names_the_participants_resources(run_stage: RunStage) -> None:
    run = run_stage("wired", participant="alice")
    assert environment(run, "StateLambda")["STATE_TABLE_NAME"] == "alice-StateTable"
    assert environment(run, "MapLambda")["REDUCE_TABLE_NAME"] == "alice-ReduceTable"
    assert environment(run, "ReduceLambda")["AGGREGATE_TABLE_NAME"] == "alice-AggregateTable"
    generator = environment(run, "GeneratorLambda")
    assert generator["STREAM_NAME"] == "alice-IncomingDataStream"
    assert generator["AGGREGATE_TABLE_NAME"] == "alice-AggregateTable"
    assert (generator["BURST_CALLS"], generator["BURST_RECORDS_PER_CALL"]) == ("250", "40")


SIZES = {
    "GeneratorLambda": ("generator_lambda.handler", 55),
    "StateLambda": ("state_lambda.handler", 180),
    "MapLambda": ("map_lambda.handler", 60),
    "ReduceLambda": ("reduce_lambda.handler", 30),
}


@pytest.mark.parametrize("stage", STAGES)
def test_functions_have_the_workshop_sizes_and_their_artifact(
    run_stage: RunStage, artifacts_dir: Path, stage: str
) -> None:
    run = run_stage(stage)
    for name, (handler, timeout) in SIZES.items():
        inputs = function(run, name).inputs
        assert (inputs["handler"], inputs["timeout"], inputs["memorySize"]) == (
            handler,
            timeout,
            256,
        )
        assert inputs["runtime"] == "python3.11"
        assert inputs["code"] == {"fileArchive": str(artifacts_dir / name)}
        assert inputs["loggingConfig"]["logGroup"] == f"/aws/lambda/leda-dev-{name}"


def test_config_reaches_the_resources(run_stage: RunStage) -> None:
    run = run_stage(
        "wired",
        extra={
            "leda:shardCount": "4",
            "leda:burstCalls": "10",
            "leda:burstRecordsPerCall": "500",
            "leda:lambdaRuntime": "python3.13",
        },
    )
    assert short(run, "IncomingDataStream").inputs["shardCount"] == 4
    generator = environment(run, "GeneratorLambda")
    assert (generator["BURST_CALLS"], generator["BURST_RECORDS_PER_CALL"]) == ("10", "500")
    assert {function(run, name).inputs["runtime"] for name in FUNCTIONS} == {"python3.13"}


@pytest.mark.parametrize("stage", STAGES)
def test_stateful_resources_as_the_workshop_ships_them(run_stage: RunStage, stage: str) -> None:
    run = run_stage(stage)
    stream = short(run, "IncomingDataStream").inputs
    assert (stream["shardCount"], stream["retentionPeriod"]) == (20, 24)
    assert (stream["encryptionType"], stream["kmsKeyId"]) == ("KMS", "alias/aws/kinesis")
    for table, key in {
        "StateTable": "id",
        "ReduceTable": "MessageId",
        "AggregateTable": "Identifier",
        "ParameterTable": "parameter",
    }.items():
        inputs = short(run, table).inputs
        assert inputs["hashKey"] == key
        assert inputs["attributes"] == [{"name": key, "type": "S"}]
        assert inputs["billingMode"] == "PAY_PER_REQUEST"
    assert short(run, "AggregateTable").inputs["ttl"] == {
        "attributeName": "ExpiresAt",
        "enabled": True,
    }
    for queue in ("DeadLetterQueue", "TriggerFailureQueue"):
        assert short(run, queue).inputs["sqsManagedSseEnabled"] is True
    for name in FUNCTIONS:
        assert short(run, f"{name}Logs").inputs["retentionInDays"] > 0


@pytest.mark.parametrize("stage", STAGES)
def test_generator_runs_every_minute(run_stage: RunStage, stage: str) -> None:
    run = run_stage(stage)
    rule = short(run, "GeneratorSchedule")
    assert rule.inputs["scheduleExpression"] == "rate(1 minute)"
    generator = function(run, "GeneratorLambda")
    target = short(run, "GeneratorScheduleTarget").inputs
    assert (target["rule"], target["arn"]) == (rule.inputs["name"], generator.arn)
    permission = short(run, "GeneratorSchedulePermission").inputs
    assert permission["principal"] == "events.amazonaws.com"
    assert permission["action"] == "lambda:InvokeFunction"
    assert (permission["function"], permission["sourceArn"]) == (generator.inputs["name"], rule.arn)


def test_outputs_name_everything_a_participant_needs(run_stage: RunStage) -> None:
    run = run_stage("fault-tolerant", participant="alice")
    outputs = run.outputs
    expected = {
        "incomingDataStreamName": "alice-IncomingDataStream",
        "stateTableName": "alice-StateTable",
        "reduceTableName": "alice-ReduceTable",
        "aggregateTableName": "alice-AggregateTable",
        "parameterTableName": "alice-ParameterTable",
        "deadLetterQueueName": "alice-DeadLetterQueue",
        "triggerFailureQueueName": "alice-TriggerFailureQueue",
        "generatorLambdaName": "alice-GeneratorLambda",
        "stateLambdaName": "alice-StateLambda",
        "mapLambdaName": "alice-MapLambda",
        "reduceLambdaName": "alice-ReduceLambda",
        "stage": "fault-tolerant",
        "namePrefix": "alice",
        "region": "us-east-1",
    }
    for key, value in expected.items():
        assert outputs[key] == value, key
    assert outputs["deadLetterQueueUrl"] == short(run, "DeadLetterQueue").outputs["url"]
    assert outputs["triggerFailureQueueUrl"] == short(run, "TriggerFailureQueue").outputs["url"]


def test_every_physical_name_carries_the_participant_prefix(run_stage: RunStage) -> None:
    run = run_stage("fault-tolerant", participant="alice")
    for resource in run.resources:
        assert resource.name.startswith("alice-") or resource.name == "alice"
        name = resource.inputs.get("name")
        if name is not None:
            assert name.startswith(("alice-", "/aws/lambda/alice-")), name


def test_the_stages_and_the_message_for_an_unknown_one() -> None:
    assert tuple(stage.value for stage in Stage) == (*STAGES, "lab")
    assert Stage.parse("fault-tolerant") is Stage.FAULT_TOLERANT
    allowed = "allowed: broken | wired | fault-tolerant | hardened | lab"
    with pytest.raises(ValueError, match=re.escape(f"unknown stage 'fixed'; {allowed}")):
        Stage.parse("fixed")
