"""Permissions offline, as on AWS: each function calls as its own role, mappings are checked as
CreateEventSourceMapping checks them, and participants cannot reach each other's resources.

Plans are data: a test changes one role's policies (as a participant editing ReduceLambdaPolicy
would) and brings that stack to life beside nothing else.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

from leda.cloud.local_cloud import LocalCloud
from leda.deployment.deployment import Deployment, DeploymentOptions
from leda.deployment.plan import LocalPlan, RolePlan, stage_plan
from stacks.project import PROJECT_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.emulator]

REDUCE_SAMPLE = PROJECT_ROOT / "events" / "reduce_lambda" / "reduce-stream.json"
ACCOUNT_TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table"


def _with_role_policies(
    plan: LocalPlan, role_suffix: str, policies: Mapping[str, str]
) -> LocalPlan:
    roles = tuple(
        dataclasses.replace(role, policies=dict(policies))
        if role.name.endswith(role_suffix)
        else role
        for role in plan.roles
    )
    return dataclasses.replace(plan, roles=roles)


def _role(plan: LocalPlan, suffix: str) -> RolePlan:
    [role] = [r for r in plan.roles if r.name.endswith(suffix)]
    return role


def _without_action(policies: Mapping[str, str], action: str) -> dict[str, str]:
    """The policies with `action` taken out of every statement (statements left empty go)."""
    edited: dict[str, str] = {}
    for name, text in policies.items():
        document = json.loads(text)
        statements = []
        for statement in document["Statement"]:
            actions = (
                statement["Action"]
                if isinstance(statement["Action"], list)
                else [statement["Action"]]
            )
            kept = [a for a in actions if a != action]
            if kept:
                statements.append({**statement, "Action": kept})
        edited[name] = json.dumps({**document, "Statement": statements})
    return edited


def test_reduce_sample_under_broken_is_refused_on_aggregate_table():
    """The handed-out ReduceLambdaPolicy has no UpdateItem on AggregateTable."""
    event = json.loads(REDUCE_SAMPLE.read_text())
    options = DeploymentOptions("broken", functions=("ReduceLambda",))
    with LocalCloud() as cloud, Deployment(cloud, options) as deployment:
        result = deployment.invoke("ReduceLambda", event)
    assert not result.ok
    assert "AccessDeniedException" in result.error_message
    assert (
        "User: arn:aws:sts::123456789012:assumed-role/leda-dev-ReduceLambdaRole/"
        "leda-dev-ReduceLambda is not authorized to perform: dynamodb:UpdateItem on resource: "
        f"{ACCOUNT_TABLE}/leda-dev-AggregateTable because no identity-based policy allows the "
        "dynamodb:UpdateItem action"
    ) in result.error_message


def test_the_reduce_trigger_without_the_lab1_policy_is_refused_at_creation():
    """Lab 1, step 3 (b): the ReduceTable trigger added while ReduceLambdaPolicy is still the
    handed-out one is refused, with Lambda's own message; with lab 1's policy it is created."""
    wired = stage_plan("wired")
    handed_out = _role(stage_plan("broken"), "ReduceLambdaRole").policies
    plan = _with_role_policies(wired, "ReduceLambdaRole", handed_out)
    options = DeploymentOptions("wired", functions=("ReduceLambda",))
    with LocalCloud() as cloud:
        with Deployment(cloud, options, plan=plan) as refused:
            [refusal] = refused.refused_mappings()
        with Deployment(cloud, options, plan=wired) as accepted:
            assert accepted.refused_mappings() == []
            assert "leda-dev-ReduceLambdaTrigger" in accepted.counters()["triggers"]
    assert refusal.mapping == "leda-dev-ReduceLambdaTrigger"
    assert refusal.message.startswith(
        f"Cannot access stream {ACCOUNT_TABLE}/leda-dev-ReduceTable/stream/"
    )
    assert refusal.message.endswith(
        "Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, "
        "and ListStreams Actions on your stream in IAM."
    )


def test_without_update_item_the_trigger_runs_and_the_transaction_is_refused():
    """Lab 1, step 3 (c) half done: stream grants added, UpdateItem on AggregateTable not."""
    wired = stage_plan("wired")
    half = _without_action(_role(wired, "ReduceLambdaRole").policies, "dynamodb:UpdateItem")
    plan = _with_role_policies(wired, "ReduceLambdaRole", half)
    options = DeploymentOptions("wired", functions=("MapLambda", "ReduceLambda"))
    with LocalCloud() as cloud, Deployment(cloud, options, plan=plan) as deployment:
        assert deployment.refused_mappings() == []
        dynamodb = cloud.client("dynamodb")
        dynamodb.put_item(
            TableName=deployment.output("reduceTableName"),
            Item={"MessageId": {"S": "m-1"}, "Message": {"S": json.dumps({"PV": 1.5})}},
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            reduce = deployment.counters()["functions"]["leda-dev-ReduceLambda"]
            if reduce["errors"] >= 2:
                break
            time.sleep(0.3)
        aggregates = dynamodb.scan(TableName=deployment.output("aggregateTableName"))["Items"]
        log = (deployment.folder / "logs" / "leda-dev-ReduceLambda.log").read_text()
    assert reduce["invocations"] >= 2 and reduce["errors"] == reduce["invocations"]  # retried
    assert aggregates == []
    assert "dynamodb:UpdateItem on resource: " + ACCOUNT_TABLE + "/leda-dev-AggregateTable" in log


def test_one_participant_cannot_reach_another_participants_table():
    options_a = DeploymentOptions("wired", participant="team-a", functions=("ReduceLambda",))
    options_b = DeploymentOptions("wired", participant="team-b", functions=())
    event = json.loads(REDUCE_SAMPLE.read_text())
    with (
        LocalCloud() as cloud,
        Deployment(cloud, options_b) as b,
        Deployment(cloud, options_a) as a,
    ):
        # team-a's ReduceLambda, pointed at team-b's AggregateTable
        a.configure("ReduceLambda", {"AGGREGATE_TABLE_NAME": b.output("aggregateTableName")})
        result = a.invoke("ReduceLambda", event)
        items = cloud.client("dynamodb").scan(TableName=b.output("aggregateTableName"))["Items"]
    assert not result.ok
    assert (
        "assumed-role/team-a-ReduceLambdaRole/team-a-ReduceLambda is not authorized to perform: "
        f"dynamodb:UpdateItem on resource: {ACCOUNT_TABLE}/team-b-AggregateTable"
    ) in result.error_message
    assert items == []


def test_iam_off_lets_everything_through(tmp_path: Path):
    event = json.loads(REDUCE_SAMPLE.read_text())
    options = DeploymentOptions("broken", functions=("ReduceLambda",), enforce_iam=False)
    with LocalCloud() as cloud, Deployment(cloud, options) as deployment:
        result = deployment.invoke("ReduceLambda", event)
    assert result.ok, result.error
