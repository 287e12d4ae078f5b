"""Every role may do exactly what its function's code does, on its own participant's resources.

Expected grants are written out per stage from the calls each function makes (functions/) and
from the workshop's own policies, independently of stacks/stage_model.py: every statement is
scoped to one resource, and ReduceLambda is handed out with its logs and GetItem on
ParameterTable only, lab 1 adding the read of ReduceTable's stream and UpdateItem on
AggregateTable.
"""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase

import pytest

from stacks.mocks.run import StackRun
from tests.stacks.conftest import RunStage
from tests.stacks.helpers import (
    FUNCTIONS,
    REMINDER,
    ROLE,
    STAGES,
    arns,
    as_list,
    function,
    grants,
    short,
    statements,
)

LOGS = {"logs:CreateLogStream", "logs:PutLogEvents"}
STREAM_READ = {
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
}
KINESIS_READ = {
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:ListShards",
}

# (actions, resource) per function and stage; resources by short name, "<Table>/stream/*" for
# a table's stream records and "<Function>Logs" for the function's own log group.
Expected = dict[str, set[str]]


def _grant(actions: set[str], *resources: str) -> Expected:
    return {action: set(resources) for action in actions}


def _merge(*parts: Expected) -> Expected:
    merged: Expected = {}
    for part in parts:
        for action, resources in part.items():
            merged.setdefault(action, set()).update(resources)
    return merged


def expected_grants(stage: str, name: str) -> Expected:
    wired = stage != "broken"
    hardened = stage == "hardened"
    logs = _grant(LOGS, f"{name}Logs", f"{name}Logs:log-stream:*")
    dead_letters = _grant({"sqs:SendMessage"}, "DeadLetterQueue") if hardened else {}
    parameters = _grant({"dynamodb:GetItem"}, "ParameterTable")
    if name == "GeneratorLambda":
        return _merge(
            logs,
            _grant({"kinesis:PutRecords"}, "IncomingDataStream"),
            _grant({"dynamodb:Scan"}, "AggregateTable"),
            _grant(
                {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}, "ParameterTable"
            ),
        )
    if name == "StateLambda":
        writes = (
            {"dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate"}
            if hardened
            else {"dynamodb:UpdateItem"}
        )
        return _merge(
            logs,
            _grant(KINESIS_READ, "IncomingDataStream"),
            _grant(writes, "StateTable"),
            parameters,
            dead_letters,
            _grant({"sqs:SendMessage"}, "TriggerFailureQueue") if hardened else {},
        )
    if name == "MapLambda":
        return _merge(
            logs,
            _grant(STREAM_READ, "StateTable/stream/*"),
            _grant({"dynamodb:PutItem"}, "ReduceTable"),
            parameters,
            dead_letters,
        )
    assert name == "ReduceLambda"
    if not wired:  # the workshop's incomplete policy, as handed out
        return _merge(logs, parameters)
    aggregate = {"dynamodb:UpdateItem"} | (
        {"dynamodb:PutItem", "dynamodb:GetItem"} if hardened else set()
    )
    return _merge(
        logs,
        parameters,
        _grant(STREAM_READ, "ReduceTable/stream/*"),
        _grant(aggregate, "AggregateTable"),
        dead_letters,
    )


def _readable(run: StackRun, resource: str) -> str:
    """An ARN in a policy as `<short name>[suffix]`, or the ARN itself if it is not ours."""
    for name, arn in sorted(arns(run).items(), key=lambda item: -len(item[1])):
        if resource == arn or resource.startswith((arn + "/", arn + ":")):
            return name + resource[len(arn) :]
    return resource


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("name", FUNCTIONS)
def test_exact_grants(run_stage: RunStage, stage: str, name: str) -> None:
    run = run_stage(stage)
    found = {
        action: {_readable(run, resource) for resource in resources}
        for action, resources in grants(run, name).items()
    }
    assert found == expected_grants(stage, name)


def test_broken_reduce_policy_is_the_workshops_incomplete_one(run_stage: RunStage) -> None:
    actions = set(grants(run_stage("broken"), "ReduceLambda"))
    assert actions == LOGS | {"dynamodb:GetItem"}


ACTION = re.compile(r"[a-z0-9-]+:[A-Za-z]+")


def _allowed_resources(run: StackRun) -> set[str]:
    """Every exact ARN of this participant, plus the two wildcard forms the program may use."""
    allowed: set[str] = set()
    for resource in run.resources:
        if resource.arn:
            allowed.add(resource.arn)
            if resource.type == "aws:dynamodb/table:Table":
                allowed.add(f"{resource.arn}/stream/*")
            if resource.type == "aws:cloudwatch/logGroup:LogGroup":
                allowed.add(f"{resource.arn}:log-stream:*")
    return allowed


@pytest.mark.parametrize("stage", STAGES)
def test_statements_name_specific_actions_on_own_arns(run_stage: RunStage, stage: str) -> None:
    run = run_stage(stage, participant="alice")
    allowed = _allowed_resources(run)
    for name in FUNCTIONS:
        for statement in statements(run, name):
            assert statement["Effect"] == "Allow"
            assert "NotAction" not in statement and "NotResource" not in statement
            for action in as_list(statement["Action"]):
                assert ACTION.fullmatch(action), f"{name}: {action!r} is not one named action"
            for resource in as_list(statement["Resource"]):
                assert resource in allowed, f"{name}: {resource!r} is not one of alice's ARNs"
                assert resource != "*"


@pytest.mark.parametrize("stage", STAGES)
def test_each_function_has_its_own_role_assumable_by_lambda_only(
    run_stage: RunStage, stage: str
) -> None:
    run = run_stage(stage)
    every_function = (*FUNCTIONS, REMINDER)
    roles = {function(run, name).inputs["role"] for name in every_function}
    assert len(roles) == len(every_function)
    for name in every_function:
        role = short(run, f"{name}Role")
        assert function(run, name).inputs["role"] == role.arn
        trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert trust == [
            {
                "Action": "sts:AssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
            }
        ]
        assert not role.inputs.get("managedPolicyArns")
    # One more role: the schedules' execution role (tests/stacks/test_reminder_permissions.py).
    assert len(run.of_type(ROLE)) == len(every_function) + 1


def _concrete_arns(run: StackRun) -> list[str]:
    """ARNs a request could name: each resource, a stream with its label, a log stream."""
    found: list[str] = []
    for resource in run.resources:
        if resource.arn:
            found.append(resource.arn)
        if resource.outputs.get("streamArn"):
            found.append(resource.outputs["streamArn"])
        if resource.type == "aws:dynamodb/table:Table":
            found.append(f"{resource.arn}/stream/2030-01-01T00:00:00.000")
        if resource.type == "aws:cloudwatch/logGroup:LogGroup":
            found.append(f"{resource.arn}:log-stream:2030/01/01/[$LATEST]abc")
    return found


# "team" is a prefix of "team-b": a careless wildcard would let one reach the other.
@pytest.mark.parametrize(("a", "b"), [("team", "team-b"), ("team-b", "team"), ("alice", "bob")])
@pytest.mark.parametrize("stage", STAGES)
def test_no_statement_reaches_another_participant(
    run_stage: RunStage, stage: str, a: str, b: str
) -> None:
    mine, theirs = run_stage(stage, participant=a), run_stage(stage, participant=b)
    targets = _concrete_arns(theirs)
    own = _concrete_arns(mine)
    for name in FUNCTIONS:
        for statement in statements(mine, name):
            for pattern in as_list(statement["Resource"]):
                reached = [arn for arn in targets if fnmatchcase(arn, pattern)]
                assert not reached, f"{a}'s {name} reaches {b}'s {reached}"
                assert any(fnmatchcase(arn, pattern) for arn in own), pattern
