"""The documented debugging workflow, minus Docker: events/local_resources.py makes the
resources events/env.json names, and the functions, given env.json's values unchanged except
for the endpoints, work against them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from leda.cloud.credentials import LOCAL_CREDENTIALS
from tests.sam import env_file, resources
from tests.sam.project import EVENTS_DIR, LOCAL_RESOURCES_SCRIPT

pytestmark = [pytest.mark.sam_build, pytest.mark.emulator]


def create_resources(dynamodb_endpoint: str, moto_endpoint: str) -> str:
    process = subprocess.run(
        [
            sys.executable,
            str(LOCAL_RESOURCES_SCRIPT),
            "--dynamodb",
            dynamodb_endpoint,
            "--moto",
            moto_endpoint,
        ],
        env={**LOCAL_CREDENTIALS},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert process.returncode == 0, process.stdout + process.stderr
    return process.stdout


def test_env_json_names_resources_the_script_creates_and_the_functions_use(
    invoke_artifact, env_values, local_endpoints, dynamodb_endpoint, moto_endpoint, dynamodb, sqs
):
    first = create_resources(dynamodb_endpoint, moto_endpoint)
    again = create_resources(dynamodb_endpoint, moto_endpoint)
    assert "none (all there)" not in first.splitlines()[0]
    assert again.splitlines()[:2] == [
        "tables created: none (all there)",
        "streams created: none (all there)",
    ]

    state = env_file.with_overrides(
        env_file.for_function(env_values, "StateLambda"), local_endpoints
    )
    queue_name = state["DEAD_LETTER_QUEUE_URL"].rsplit("/", 1)[-1]
    queue_url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    sqs.purge_queue(QueueUrl=queue_url)

    invocation = invoke_artifact(
        "StateLambda", EVENTS_DIR / "state_lambda" / "kinesis-batch.json", state
    )
    assert invocation.ok, invocation.describe()
    assert len(resources.items(dynamodb, state["STATE_TABLE_NAME"])) == 4
    assert len(resources.dead_letters(sqs, queue_url)) == 1

    generator = env_file.with_overrides(
        env_file.for_function(env_values, "GeneratorLambda"), local_endpoints
    )
    invocation = invoke_artifact(
        "GeneratorLambda", EVENTS_DIR / "generator_lambda" / "scheduled.json", generator
    )
    assert invocation.ok, invocation.describe()
    assert invocation.result["accepted"] == invocation.result["sent"] > 0


def test_env_json_names_the_reminder_resources_the_script_creates(
    invoke_artifact,
    env_values,
    local_endpoints,
    dynamodb_endpoint,
    moto_endpoint,
    dynamodb,
    scheduler,
    sqs,
):
    output = create_resources(dynamodb_endpoint, moto_endpoint)
    assert output.splitlines()[3].startswith("schedule groups created: ")
    again = create_resources(dynamodb_endpoint, moto_endpoint)
    assert again.splitlines()[3] == "schedule groups created: none (all there)"

    reminder = env_file.with_overrides(
        env_file.for_function(env_values, "ReminderLambda"), local_endpoints
    )
    table = dynamodb.describe_table(TableName=reminder["APPOINTMENT_TABLE_NAME"])["Table"]
    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {
        "PK": "HASH",
        "SK": "RANGE",
    }
    assert table["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    failure_queue = reminder["FAILURE_QUEUE_URL"].rsplit("/", 1)[-1]
    dead_letter_queue = reminder["TARGET_DEAD_LETTER_QUEUE_ARN"].rsplit(":", 1)[-1]
    queue_urls = {
        name: sqs.get_queue_url(QueueName=name)["QueueUrl"]
        for name in (failure_queue, dead_letter_queue)
    }
    sqs.purge_queue(QueueUrl=queue_urls[failure_queue])

    invocation = invoke_artifact(
        "ReminderLambda", EVENTS_DIR / "reminder_lambda" / "malformed.json", reminder
    )
    assert invocation.ok, invocation.describe()
    assert invocation.result == {"batchItemFailures": []}
    assert scheduler.list_schedules(GroupName=reminder["SCHEDULE_GROUP_NAME"])["Schedules"]
    assert len(resources.dead_letters(sqs, queue_urls[failure_queue])) == 1


def test_the_script_sees_tables_past_the_first_page(dynamodb_endpoint, moto_endpoint, dynamodb):
    """ListTables answers 100 names a page: a second run must still find every table it made."""
    import uuid

    for _ in range(101):
        dynamodb.create_table(
            TableName=f"filler-{uuid.uuid4().hex[:10]}",
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
    create_resources(dynamodb_endpoint, moto_endpoint)
    again = create_resources(dynamodb_endpoint, moto_endpoint)
    assert again.splitlines()[0] == "tables created: none (all there)"


def test_the_script_sees_streams_among_many(dynamodb_endpoint, moto_endpoint, kinesis):
    """moto answers ListStreams ten names at a time: a second run must still see its streams."""
    import uuid

    for _ in range(11):
        kinesis.create_stream(StreamName=f"filler-{uuid.uuid4().hex[:10]}", ShardCount=1)
    create_resources(dynamodb_endpoint, moto_endpoint)
    again = create_resources(dynamodb_endpoint, moto_endpoint)
    assert again.splitlines()[1] == "streams created: none (all there)"
