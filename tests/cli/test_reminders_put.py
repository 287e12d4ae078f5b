"""`leda reminders put` writes the blog's test items to a table (DynamoDB Local here, through
--endpoint-url), and the function schedules each item as it was written."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer
from leda_reminders.items import parse_appointment
from typer.testing import CliRunner

from leda.cli.app import app
from leda.cloud.credentials import LOCAL_REGION

runner = CliRunner()
pytestmark = pytest.mark.emulator


@pytest.fixture
def table(dynamodb: Any) -> str:
    name = f"appointments-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def _put(endpoint: str, *args: str) -> Any:
    return runner.invoke(
        app,
        ["reminders", "put", "--endpoint-url", endpoint, "--region", LOCAL_REGION, *args],
    )


def _items(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    raw = dynamodb.scan(TableName=table)["Items"]
    plain = TypeDeserializer()
    return sorted(
        ({key: plain.deserialize(value) for key, value in item.items()} for item in raw),
        key=lambda item: int(item["PK"]),
    )


def test_writes_the_blogs_items_and_each_one_schedules(
    dynamodb: Any, dynamodb_endpoint: str, table: str, tmp_path: Path
) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"appointmentTableName": table, "stage": "wired"}))
    before = dt.datetime.now(dt.UTC)
    result = _put(dynamodb_endpoint, "--stack-outputs", str(outputs), "--in", "180")
    assert result.exit_code == 0, result.output
    assert f"10 appointments written to {table}" in result.output

    items = _items(dynamodb, table)
    assert [item["PK"] for item in items] == [str(n) for n in range(1, 11)]
    for item in items:
        assert set(item) == {"PK", "SK", "REMINDER_TIMESTAMP", "email", "ATTR_1"}
        assert item["SK"] == "StaticSK"
        due = dt.datetime.strptime(item["REMINDER_TIMESTAMP"], "%Y-%m-%dT%H:%M:%S")
        seconds = (due.replace(tzinfo=dt.UTC) - before).total_seconds()
        assert 179 <= seconds <= 190
        appointment = parse_appointment(item, "UTC")  # as the function reads the stream image
        assert appointment.reminder is not None
        assert appointment.reminder.email == "success@simulator.amazonses.com"


def test_table_by_name_with_count_and_address(
    dynamodb: Any, dynamodb_endpoint: str, table: str
) -> None:
    result = _put(dynamodb_endpoint, "--table", table, "--items", "3", "--email", "me@example.org")
    assert result.exit_code == 0, result.output
    items = _items(dynamodb, table)
    assert [(item["PK"], item["email"]) for item in items] == [
        ("1", "me@example.org"),
        ("2", "me@example.org"),
        ("3", "me@example.org"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give --table NAME or --stack-outputs FILE"),
        (["--table", "t", "--stack-outputs", "x.json"], "one of them"),
        (["--table", "t", "--items", "0"], "--items 0 is out of range; allowed: 1-1000"),
        (["--table", "t", "--in", "0"], "--in 0 is out of range"),
    ],
)
def test_refusals_before_anything_is_written(
    dynamodb_endpoint: str, args: list[str], message: str
) -> None:
    result = _put(dynamodb_endpoint, *args)
    assert result.exit_code == 1
    assert message in result.output


def test_outputs_that_are_not_a_leda_stacks_are_refused(
    dynamodb_endpoint: str, tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"bucket": "b"}))
    result = _put(dynamodb_endpoint, "--stack-outputs", str(wrong))
    assert result.exit_code == 1
    assert "has no output 'appointmentTableName'" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    result = _put(dynamodb_endpoint, "--stack-outputs", str(broken))
    assert "is not JSON" in result.output


def test_a_missing_table_is_reported_in_one_line(dynamodb_endpoint: str) -> None:
    result = _put(dynamodb_endpoint, "--table", "no-such-table")
    assert result.exit_code == 1
    assert "writing to no-such-table" in result.output
    assert "Traceback" not in result.output
