"""events/env.json: every value reaches its function under `sam local invoke --env-vars`.

SAM sets only variables the template declares for a function and silently drops the rest, so
a misspelt or undeclared name in the file would look fine and do nothing.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from stacks.stage_model import SWITCHES, Stage
from tests.sam import env_file
from tests.sam.env_file import ALL_FUNCTIONS, CONTAINER_HOST


def test_sections_are_the_shared_one_and_one_per_function(env_values, sam_functions):
    assert set(env_values) == {ALL_FUNCTIONS, *sam_functions}


def test_shared_section_names_only_variables_every_function_declares(env_values, sam_functions):
    for function in sam_functions.values():
        missing = set(env_values[ALL_FUNCTIONS]) - function.all_variables
        assert not missing, f"{function.logical_id} does not declare {sorted(missing)}"


@pytest.mark.parametrize(
    "logical_id",
    ["GeneratorLambda", "StateLambda", "MapLambda", "ReduceLambda", "ReminderLambda"],
)
def test_gives_every_declared_variable_a_value_and_nothing_else(
    env_values, sam_functions, logical_id
):
    values = env_file.for_function(env_values, logical_id)
    assert set(values) == sam_functions[logical_id].all_variables
    assert all(value.strip() for value in values.values())


def test_endpoints_are_the_host_as_seen_from_the_container(env_values):
    urls = {
        name: value
        for values in env_values.values()
        for name, value in values.items()
        if name.startswith("AWS_ENDPOINT_URL_") or name.endswith("_URL")
    }
    assert urls
    for name, url in urls.items():
        assert urlparse(url).hostname == CONTAINER_HOST, f"{name}={url}"


def test_state_lambda_keeps_fixed_timestamp_samples(env_values):
    """The sample messages carry fixed 2026-01-01 timestamps: 0 switches the age limit off."""
    assert env_file.for_function(env_values, "StateLambda")["MAX_MESSAGE_AGE_SECONDS"] == "0"


def test_generator_sends_a_small_burst_and_checks_at_once(env_values):
    values = env_file.for_function(env_values, "GeneratorLambda")
    assert int(values["BURST_CALLS"]) * int(values["BURST_RECORDS_PER_CALL"]) <= 100
    assert values["CHECK_DELAY_SECONDS"] == "0"


def test_every_pipeline_function_takes_the_hardened_code_path(env_values):
    """The stage table's switches for hardened (stacks/stage_model.py), function by
    function; README.md says how to try lab 1's code paths instead."""
    for function, switches in SWITCHES[Stage.HARDENED].items():
        values = env_file.for_function(env_values, function.value)
        assert {name: values.get(name) for name in switches} == dict(switches), function.value


def test_reminder_lambda_names_the_local_resources(env_values):
    """One schedule group, the appointments table, and two queues (by URL and by ARN) on moto,
    named as a `leda-local` stack would name them."""
    values = env_file.for_function(env_values, "ReminderLambda")
    assert values["SCHEDULE_GROUP_NAME"] == "leda-local-Reminders"
    assert values["APPOINTMENT_TABLE_NAME"] == "leda-local-AppointmentTable"
    assert values["SCHEDULER_ROLE_ARN"] == "arn:aws:iam::123456789012:role/leda-local-SchedulerRole"
    assert values["TARGET_DEAD_LETTER_QUEUE_ARN"] == (
        "arn:aws:sqs:us-east-1:123456789012:leda-local-ReminderDeadLetterQueue"
    )
    assert values["FAILURE_QUEUE_URL"].endswith("/123456789012/leda-local-ReminderFailureQueue")
    assert values["DEFAULT_TIMEZONE"] == "UTC"
    assert "@" in values["SENDER_EMAIL"]
