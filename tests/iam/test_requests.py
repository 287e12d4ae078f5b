"""From API calls to IAM requests: every operation the functions use, checked against IAM's own
database of actions and resource ARN formats (parliament's copy of the Service Authorization
Reference), so a wrong action name or a wrongly built ARN fails here."""

from __future__ import annotations

import re
from typing import Any

import pytest
from parliament import is_arn_match
from parliament.statement import get_privilege_info

from leda.iam.requests import Place, Unmapped, known_operations, partiql_request, requests_for

PLACE = Place("eu-west-1", "123456789012")
TABLE = "arn:aws:dynamodb:eu-west-1:123456789012:table/p-StateTable"
QUEUE_URL = "http://127.0.0.1:5000/123456789012/p-DeadLetterQueue"
ROLE = "arn:aws:iam::123456789012:role/p-SchedulerRole"

# One realistic call per operation: (service, operation, params, [(action, resource)]).
CALLS: list[tuple[str, str, dict[str, Any], list[tuple[str, str]]]] = [
    (
        "dynamodb",
        "GetItem",
        {"TableName": "p-StateTable", "Key": {}},
        [("dynamodb:GetItem", TABLE)],
    ),
    (
        "dynamodb",
        "PutItem",
        {"TableName": "p-StateTable", "Item": {}},
        [("dynamodb:PutItem", TABLE)],
    ),
    (
        "dynamodb",
        "UpdateItem",
        {"TableName": "p-StateTable", "Key": {}},
        [("dynamodb:UpdateItem", TABLE)],
    ),
    (
        "dynamodb",
        "DeleteItem",
        {"TableName": "p-StateTable", "Key": {}},
        [("dynamodb:DeleteItem", TABLE)],
    ),
    ("dynamodb", "Scan", {"TableName": "p-StateTable"}, [("dynamodb:Scan", TABLE)]),
    (
        "dynamodb",
        "Query",
        {"TableName": "p-StateTable", "IndexName": "byTime"},
        [("dynamodb:Query", TABLE + "/index/byTime")],
    ),
    (
        "dynamodb",
        "BatchGetItem",
        {"RequestItems": {"p-StateTable": {"Keys": []}}},
        [("dynamodb:BatchGetItem", TABLE)],
    ),
    (
        "dynamodb",
        "BatchWriteItem",
        {"RequestItems": {"p-StateTable": []}},
        [("dynamodb:BatchWriteItem", TABLE)],
    ),
    (
        "dynamodb",
        "TransactWriteItems",
        {
            "TransactItems": [
                {"Update": {"TableName": "p-AggregateTable", "Key": {}}},
                {"Put": {"TableName": "p-StateTable", "Item": {}}},
                {"ConditionCheck": {"TableName": "p-StateTable", "Key": {}}},
                {"Delete": {"TableName": "p-StateTable", "Key": {}}},
            ]
        },
        [
            ("dynamodb:UpdateItem", TABLE.replace("StateTable", "AggregateTable")),
            ("dynamodb:PutItem", TABLE),
            ("dynamodb:ConditionCheckItem", TABLE),
            ("dynamodb:DeleteItem", TABLE),
        ],
    ),
    (
        "dynamodb",
        "BatchExecuteStatement",
        {
            "Statements": [
                {"Statement": "INSERT INTO \"p-StateTable\" VALUE {'id': ?}"},
                {"Statement": 'UPDATE "p-StateTable" SET Version = ? WHERE id = ? AND Version < ?'},
            ]
        },
        [("dynamodb:PartiQLInsert", TABLE), ("dynamodb:PartiQLUpdate", TABLE)],
    ),
    (
        "dynamodb",
        "ExecuteStatement",
        {"Statement": 'SELECT * FROM "p-StateTable" WHERE id=?'},
        [("dynamodb:PartiQLSelect", TABLE)],
    ),
    (
        "kinesis",
        "PutRecords",
        {"StreamName": "p-IncomingDataStream", "Records": []},
        [
            (
                "kinesis:PutRecords",
                "arn:aws:kinesis:eu-west-1:123456789012:stream/p-IncomingDataStream",
            )
        ],
    ),
    (
        "sqs",
        "SendMessageBatch",
        {"QueueUrl": QUEUE_URL, "Entries": []},
        [("sqs:SendMessage", "arn:aws:sqs:eu-west-1:123456789012:p-DeadLetterQueue")],
    ),
    (
        "sqs",
        "SendMessage",
        {"QueueUrl": QUEUE_URL, "MessageBody": "x"},
        [("sqs:SendMessage", "arn:aws:sqs:eu-west-1:123456789012:p-DeadLetterQueue")],
    ),
    (
        "scheduler",
        "CreateSchedule",
        {"Name": "s1", "GroupName": "p-Reminders", "Target": {"RoleArn": ROLE, "Arn": "x"}},
        [
            (
                "scheduler:CreateSchedule",
                "arn:aws:scheduler:eu-west-1:123456789012:schedule/p-Reminders/s1",
            ),
            ("iam:PassRole", ROLE),
        ],
    ),
    (
        "scheduler",
        "DeleteSchedule",
        {"Name": "s1", "GroupName": "p-Reminders"},
        [
            (
                "scheduler:DeleteSchedule",
                "arn:aws:scheduler:eu-west-1:123456789012:schedule/p-Reminders/s1",
            )
        ],
    ),
    (
        "ses",
        "SendEmail",
        {"Source": "Leda <leda@example.com>", "Destination": {}},
        [("ses:SendEmail", "arn:aws:ses:eu-west-1:123456789012:identity/leda@example.com")],
    ),
]


@pytest.mark.parametrize(("service", "operation", "params", "expected"), CALLS)
def test_each_call_needs_exactly_these_authorizations(service, operation, params, expected):
    needed = requests_for(service, operation, params, PLACE)
    assert [(r.action, r.resource) for r in needed] == expected


def test_every_mapped_operation_has_a_realistic_call_above():
    assert set(known_operations()) - {(s, o) for s, o, _, _ in CALLS} <= {
        ("dynamodb", op) for op in ("DescribeTable", "DescribeTimeToLive", "TransactGetItems")
    } | {("kinesis", "PutRecord"), ("kinesis", "DescribeStreamSummary")} | {
        ("sqs", op)
        for op in (
            "ReceiveMessage",
            "DeleteMessage",
            "DeleteMessageBatch",
            "GetQueueAttributes",
            "GetQueueUrl",
        )
    } | {("scheduler", "UpdateSchedule"), ("scheduler", "GetSchedule")}


@pytest.mark.parametrize(("service", "operation", "params", "expected"), CALLS)
def test_actions_exist_and_arns_have_a_format_the_action_accepts(
    service, operation, params, expected
):
    for action, resource in expected:
        prefix, name = action.split(":")
        info = get_privilege_info(prefix, name)  # raises for an unknown action
        types = {t["resource_type"].rstrip("*") for t in info["resource_types"]} - {""}
        # parliament's own convention: the reference's ${Variables} become wildcards.
        formats = {
            r["resource"]: re.sub(r"\$\{.*?\}", "*", r["arn"])
            for r in info["service_resources"]
            if r["resource"] in types
        }
        assert any(
            is_arn_match(kind, arn_format, resource) for kind, arn_format in formats.items()
        ), f"{resource} is not a {sorted(formats)} for {action}"


def test_pass_role_carries_the_service_it_is_passed_to():
    [_, pass_role] = requests_for("scheduler", "CreateSchedule", CALLS[14][2], PLACE)
    assert pass_role.context == {"iam:PassedToService": ["scheduler.amazonaws.com"]}


def test_the_sender_address_is_the_from_address_condition_key():
    [send] = requests_for("ses", "SendEmail", {"Source": "Leda <a@b.example>"}, PLACE)
    assert send.context == {"ses:FromAddress": ["a@b.example"]}


@pytest.mark.parametrize(
    ("statement", "action", "resource"),
    [
        ('insert into "T" value {}', "dynamodb:PartiQLInsert", "table/T"),
        ("UPDATE T SET a = 1 WHERE k = 'x'", "dynamodb:PartiQLUpdate", "table/T"),
        ('DELETE FROM "T" WHERE k = ?', "dynamodb:PartiQLDelete", "table/T"),
        (
            'SELECT a, b FROM "T"."byTime" WHERE k = ?',
            "dynamodb:PartiQLSelect",
            "table/T/index/byTime",
        ),
        ('SELECT * FROM "we""ird" WHERE k = ?', "dynamodb:PartiQLSelect", 'table/we"ird'),
    ],
)
def test_partiql_statements_name_their_action_and_table(statement, action, resource):
    request = partiql_request(statement, PLACE)
    assert request.action == action
    assert request.resource == f"arn:aws:dynamodb:eu-west-1:123456789012:{resource}"


def test_an_unknown_operation_is_refused_with_a_reason():
    with pytest.raises(Unmapped, match="dynamodb:DeleteTable has no IAM mapping offline"):
        requests_for("dynamodb", "DeleteTable", {"TableName": "x"}, PLACE)
    with pytest.raises(Unmapped, match="PartiQL statement not understood"):
        partiql_request("EXPLAIN SELECT 1", PLACE)
