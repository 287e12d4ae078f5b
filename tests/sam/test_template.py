"""template.yaml: valid for SAM and cfn-lint, and declaring each function as the project runs it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.sam import template, tools
from tests.sam.project import MAKEFILE, TEMPLATE

RUNTIMES = ["python3.11", "python3.12", "python3.13"]
COMMON = {"PARAMETER_TABLE_NAME"}
# LogicalId -> (handler, memory MB, timeout s, environment variable names)
EXPECTED = {
    "GeneratorLambda": (
        "generator_lambda.handler",
        256,
        55,
        COMMON
        | {
            "GENERATOR_REFUSED_RECORDS",
            "STREAM_NAME",
            "AGGREGATE_TABLE_NAME",
            "BURST_CALLS",
            "BURST_RECORDS_PER_CALL",
            "CHECK_DELAY_SECONDS",
        },
    ),
    "StateLambda": (
        "state_lambda.handler",
        256,
        180,
        COMMON
        | {"STATE_WRITE", "STATE_TABLE_NAME", "DEAD_LETTER_QUEUE_URL", "MAX_MESSAGE_AGE_SECONDS"},
    ),
    "MapLambda": (
        "map_lambda.handler",
        256,
        60,
        COMMON | {"REDUCE_TABLE_NAME", "DEAD_LETTER_QUEUE_URL", "MAP_WRITE_ERRORS"},
    ),
    "ReduceLambda": (
        "reduce_lambda.handler",
        256,
        30,
        COMMON | {"REDUCE_IDEMPOTENCY", "AGGREGATE_TABLE_NAME", "DEAD_LETTER_QUEUE_URL"},
    ),
    # What functions/reminder_lambda.py reads; the same in every stage, so no code-path switch.
    "ReminderLambda": (
        "reminder_lambda.handler",
        256,
        30,
        {
            "SCHEDULE_GROUP_NAME",
            "SCHEDULER_ROLE_ARN",
            "TARGET_DEAD_LETTER_QUEUE_ARN",
            "SENDER_EMAIL",
            "APPOINTMENT_TABLE_NAME",
            "DEFAULT_TIMEZONE",
            "FAILURE_QUEUE_URL",
            "IDEMPOTENCY_TABLE_NAME",
        },
    ),
}
ENDPOINT_HOOKS = {
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_KINESIS",
    "AWS_ENDPOINT_URL_SQS",
    "AWS_ENDPOINT_URL_SCHEDULER",
}


def test_sam_validate_lint_passes(sam_scratch: Path) -> None:
    process = tools.sam_validate(sam_scratch)
    assert process.returncode == 0, tools.output(process)
    assert "is a valid SAM Template" in process.stdout + process.stderr


def test_cfn_lint_passes(sam_scratch: Path) -> None:
    process = tools.cfn_lint(sam_scratch)
    assert process.returncode == 0, tools.output(process)


def test_declares_exactly_the_pipeline_functions_and_the_reminder_function(sam_functions):
    assert set(sam_functions) == set(EXPECTED)


@pytest.mark.parametrize("logical_id", sorted(EXPECTED))
def test_function_settings(sam_functions, logical_id):
    function = sam_functions[logical_id]
    handler, memory, timeout, variables = EXPECTED[logical_id]
    assert (function.handler, function.memory_mb, function.timeout_seconds) == (
        handler,
        memory,
        timeout,
    )
    assert function.variables == variables


def test_runtime_is_one_parameter_defaulting_to_python311(sam_functions):
    document = template.load(TEMPLATE)
    parameter = document["Parameters"]["Runtime"]
    assert parameter["Default"] == "python3.11"
    assert parameter["AllowedValues"] == RUNTIMES
    assert document["Globals"]["Function"]["Runtime"] == {"Ref": "Runtime"}
    for logical_id, resource in document["Resources"].items():
        assert "Runtime" not in resource["Properties"], f"{logical_id} overrides the runtime"
    assert {function.runtime for function in sam_functions.values()} == {"python3.11"}


def test_declares_functions_only():
    """Tables, streams, queues, triggers, the schedule, the schedule group and the roles belong
    to the Pulumi program."""
    document = template.load(TEMPLATE)
    types = {resource["Type"] for resource in document["Resources"].values()}
    assert types == {template.SERVERLESS_FUNCTION}
    for resource in document["Resources"].values():
        assert "Events" not in resource["Properties"]


def test_globals_declare_only_the_local_endpoint_hooks_and_leave_them_empty():
    variables = template.load(TEMPLATE)["Globals"]["Function"]["Environment"]["Variables"]
    assert set(variables) == ENDPOINT_HOOKS
    assert set(variables.values()) == {""}  # boto3 treats an empty endpoint as unset


def test_every_function_is_built_by_its_own_makefile_target(sam_functions):
    targets = set(re.findall(r"^build-(\w+):", MAKEFILE.read_text(), flags=re.MULTILINE))
    assert targets == set(sam_functions)
    for function in sam_functions.values():
        assert function.build_method == "makefile"
        assert function.code_uri.rstrip("/") == "functions"
