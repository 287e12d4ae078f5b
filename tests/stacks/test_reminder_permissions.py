"""The reminders' roles may do exactly what their callers do, on this participant's resources.

ReminderLambda calls Scheduler (functions/leda_reminders/scheduler_writer.py:
Create/Update/Delete, plus GetSchedule to read one back), passes the scheduler's role, reads
its stream and sends malformed items to the failure queue (which Lambda, with the same role,
also uses as the trigger's on-failure destination). The schedules' execution role is used by
Scheduler to call the two universal targets (SES SendEmail from the configured sender,
DynamoDB DeleteItem on the appointments table) and to dead-letter a failed call.

The expected documents are written out here from those calls, independently of
stacks/reminders/policies.py.
"""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from typing import Any

import pytest

from stacks.mocks.cloud import ACCOUNT
from stacks.mocks.run import StackRun
from tests.stacks.conftest import RunStage
from tests.stacks.helpers import (
    ROLE,
    STAGES,
    as_list,
    function,
    role_statements,
    short,
    statements,
)

# A statement as a comparable value: (actions, resources, condition).
Statement = tuple[frozenset[str], frozenset[str], str]


def normalised(found: list[dict[str, Any]]) -> set[Statement]:
    result = set()
    for statement in found:
        assert statement["Effect"] == "Allow"
        assert set(statement) <= {"Sid", "Effect", "Action", "Resource", "Condition"}, statement
        result.add(
            (
                frozenset(as_list(statement["Action"])),
                frozenset(as_list(statement["Resource"])),
                json.dumps(statement.get("Condition"), sort_keys=True),
            )
        )
    assert len(result) == len(found), "two statements say the same thing"
    return result


def condition(value: dict[str, Any] | None) -> str:
    return json.dumps(value, sort_keys=True)


def function_statements(run: StackRun) -> list[dict[str, Any]]:
    return statements(run, "ReminderLambda")


def scheduler_statements(run: StackRun) -> list[dict[str, Any]]:
    assert run.config is not None
    return role_statements(run, f"{run.config.name_prefix}-SchedulerRole")


def expected_function(prefix: str, region: str = "us-east-1") -> set[Statement]:
    account, arn = ACCOUNT, f"{region}:{ACCOUNT}"
    log_group = f"arn:aws:logs:{arn}:log-group:/aws/lambda/{prefix}-ReminderLambda"
    return {
        (
            frozenset({"logs:CreateLogStream", "logs:PutLogEvents"}),
            frozenset({log_group, f"{log_group}:log-stream:*"}),
            condition(None),
        ),
        (
            frozenset(
                {
                    "dynamodb:DescribeStream",
                    "dynamodb:GetRecords",
                    "dynamodb:GetShardIterator",
                    "dynamodb:ListStreams",
                }
            ),
            frozenset({f"arn:aws:dynamodb:{arn}:table/{prefix}-AppointmentTable/stream/*"}),
            condition(None),
        ),
        (
            frozenset(
                {
                    "scheduler:CreateSchedule",
                    "scheduler:UpdateSchedule",
                    "scheduler:DeleteSchedule",
                    "scheduler:GetSchedule",
                }
            ),
            frozenset({f"arn:aws:scheduler:{arn}:schedule/{prefix}-Reminders/*"}),
            condition(None),
        ),
        (
            frozenset({"iam:PassRole"}),
            frozenset({f"arn:aws:iam::{account}:role/{prefix}-SchedulerRole"}),
            condition({"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}),
        ),
        (
            frozenset({"sqs:SendMessage"}),
            frozenset({f"arn:aws:sqs:{arn}:{prefix}-ReminderFailureQueue"}),
            condition(None),
        ),
        (
            frozenset(
                {
                    "dynamodb:DeleteItem",
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                }
            ),
            frozenset({f"arn:aws:dynamodb:{arn}:table/{prefix}-ReminderIdempotencyTable"}),
            condition(None),
        ),
    }


def expected_scheduler(
    prefix: str, sender: str = "reminders@example.com", region: str = "us-east-1"
) -> set[Statement]:
    arn = f"{region}:{ACCOUNT}"
    return {
        (
            frozenset({"ses:SendEmail"}),
            # Every identity (in the sandbox SES checks the recipients' too); the condition
            # is what limits the role to the configured sender.
            frozenset({f"arn:aws:ses:{arn}:identity/*"}),
            condition({"StringEquals": {"ses:FromAddress": sender}}),
        ),
        (
            frozenset({"dynamodb:DeleteItem"}),
            frozenset({f"arn:aws:dynamodb:{arn}:table/{prefix}-AppointmentTable"}),
            condition(None),
        ),
        (
            frozenset({"sqs:SendMessage"}),
            frozenset({f"arn:aws:sqs:{arn}:{prefix}-ReminderDeadLetterQueue"}),
            condition(None),
        ),
    }


@pytest.mark.parametrize("stage", STAGES)
def test_function_policy_is_exactly_this(run_stage: RunStage, stage: str) -> None:
    assert normalised(function_statements(run_stage(stage, participant="alice"))) == (
        expected_function("alice")
    )


@pytest.mark.parametrize("stage", STAGES)
def test_scheduler_policy_is_exactly_this(run_stage: RunStage, stage: str) -> None:
    assert normalised(scheduler_statements(run_stage(stage, participant="alice"))) == (
        expected_scheduler("alice")
    )


def test_policies_follow_region_and_sender(run_stage: RunStage) -> None:
    run = run_stage(
        "wired", extra={"aws:region": "eu-west-2", "leda:senderEmail": "desk@clinic.example.org"}
    )
    assert normalised(function_statements(run)) == expected_function("leda-dev", "eu-west-2")
    assert normalised(scheduler_statements(run)) == expected_scheduler(
        "leda-dev", "desk@clinic.example.org", "eu-west-2"
    )


def test_scheduler_role_is_assumable_by_scheduler_for_this_group_only(run_stage: RunStage) -> None:
    run = run_stage("wired", participant="alice")
    role = short(run, "SchedulerRole")
    assert role.inputs["name"] == "alice-SchedulerRole"
    assert not role.inputs.get("managedPolicyArns")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    group = f"arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule-group/alice-Reminders"
    assert trust["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "scheduler.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
                "ArnLike": {
                    "aws:SourceArn": [
                        group,
                        f"arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule/alice-Reminders/*",
                    ]
                },
            },
        }
    ]
    assert group == short(run, "ReminderScheduleGroup").arn


def test_function_role_is_assumable_by_lambda_only(run_stage: RunStage) -> None:
    run = run_stage("wired")
    role = short(run, "ReminderLambdaRole")
    assert function(run, "ReminderLambda").inputs["role"] == role.arn
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
        }
    ]


def test_each_role_has_exactly_one_inline_policy(run_stage: RunStage) -> None:
    run = run_stage("wired", participant="alice")
    roles = {role.inputs["name"] for role in run.of_type(ROLE)}
    assert {"alice-SchedulerRole", "alice-ReminderLambdaRole"} <= roles
    # role_statements asserts there is exactly one policy per role
    assert scheduler_statements(run) and function_statements(run)


ACTION = re.compile(r"[a-z0-9-]+:[A-Za-z]+")


def _reminder_statements(run: StackRun) -> list[dict[str, Any]]:
    return function_statements(run) + scheduler_statements(run)


@pytest.mark.parametrize("stage", STAGES)
def test_no_wildcard_action_and_no_star_resource(run_stage: RunStage, stage: str) -> None:
    for statement in _reminder_statements(run_stage(stage)):
        assert "NotAction" not in statement and "NotResource" not in statement
        assert "NotPrincipal" not in statement and "Principal" not in statement
        for action in as_list(statement["Action"]):
            assert ACTION.fullmatch(action), f"{action!r} is not one named action"
            assert "*" not in action and "?" not in action
        for resource in as_list(statement["Resource"]):
            assert resource != "*"
            assert ":*:" not in resource and "::*" not in resource  # no wildcard region/account


def _own_resources(run: StackRun) -> list[str]:
    """The only ARNs (and ARN patterns) the reminders' policies may name."""
    assert run.config is not None
    prefix = run.config.name_prefix
    group = short(run, "ReminderScheduleGroup").arn
    assert group is not None
    region_account = group.split(":")[3] + ":" + group.split(":")[4]
    table = short(run, "AppointmentTable").arn
    log_group = short(run, "ReminderLambdaLogs").arn
    return [
        f"arn:aws:scheduler:{region_account}:schedule/{prefix}-Reminders/*",
        f"{table}",
        f"{table}/stream/*",
        f"{log_group}",
        f"{log_group}:log-stream:*",
        str(short(run, "ReminderFailureQueue").arn),
        str(short(run, "ReminderDeadLetterQueue").arn),
        str(short(run, "SchedulerRole").arn),
        str(short(run, "ReminderIdempotencyTable").arn),
        f"arn:aws:ses:{region_account}:identity/*",  # only with ses:FromAddress = the sender
    ]


@pytest.mark.parametrize("stage", STAGES)
def test_every_resource_is_the_participants_own(run_stage: RunStage, stage: str) -> None:
    run = run_stage(stage, participant="alice")
    own = set(_own_resources(run))
    for statement in _reminder_statements(run):
        for resource in as_list(statement["Resource"]):
            assert resource in own, f"{resource!r} is not one of alice's reminder resources"


def test_pass_role_is_only_the_scheduler_role_and_only_to_scheduler(run_stage: RunStage) -> None:
    run = run_stage("fault-tolerant", participant="alice")
    passing = [
        statement
        for roles in (
            *(statements(run, name) for name in ("GeneratorLambda", "StateLambda", "MapLambda")),
            statements(run, "ReduceLambda"),
            function_statements(run),
            scheduler_statements(run),
        )
        for statement in roles
        if any(action.startswith("iam:") for action in as_list(statement["Action"]))
    ]
    assert len(passing) == 1
    [statement] = passing
    assert as_list(statement["Action"]) == ["iam:PassRole"]
    assert as_list(statement["Resource"]) == [short(run, "SchedulerRole").arn]
    assert statement["Condition"] == {
        "StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}
    }
    # The function cannot hand Scheduler its own, broader role (or any pipeline role).
    for role in run.of_type(ROLE):
        if role.name != "alice-SchedulerRole":
            assert not any(fnmatchcase(str(role.arn), r) for r in as_list(statement["Resource"]))


def test_mail_only_from_the_configured_sender(run_stage: RunStage) -> None:
    run = run_stage("wired", extra={"leda:senderEmail": "desk@clinic.example.org"})
    sending = [
        s
        for s in _reminder_statements(run)
        if any(a.startswith("ses:") for a in as_list(s["Action"]))
    ]
    assert len(sending) == 1
    assert as_list(sending[0]["Action"]) == ["ses:SendEmail"]
    assert sending[0]["Condition"] == {
        "StringEquals": {"ses:FromAddress": "desk@clinic.example.org"}
    }
    # The function itself sends no mail and deletes no appointment (it deletes only its own
    # idempotency records).
    table = str(short(run, "AppointmentTable").arn)
    for statement in function_statements(run):
        actions = as_list(statement["Action"])
        assert not [a for a in actions if a.startswith("ses:")]
        if "dynamodb:DeleteItem" in actions:
            assert table not in as_list(statement["Resource"])


def _concrete_arns(run: StackRun) -> list[str]:
    """ARNs a request of Scheduler, Lambda or SES could name for this participant's reminders."""
    assert run.config is not None
    found: list[str] = []
    for resource in run.resources:
        if resource.arn:
            found.append(resource.arn)
    table = short(run, "AppointmentTable").arn
    log_group = short(run, "ReminderLambdaLogs").arn
    group = str(short(run, "ReminderScheduleGroup").arn)
    schedules = group.replace(":schedule-group/", ":schedule/")
    found += [
        f"{table}/stream/2030-01-01T00:00:00.000",
        f"{log_group}:log-stream:2030/01/01/[$LATEST]abc",
        f"{schedules}/reminder-0123456789abcdef0123456789abcdef01234567",
        f"{schedules}/expiry-0123456789abcdef0123456789abcdef01234567",
    ]
    return found


# "team" is a prefix of "team-b": a careless wildcard would let one reach the other.
@pytest.mark.parametrize(("a", "b"), [("team", "team-b"), ("team-b", "team"), ("alice", "bob")])
@pytest.mark.parametrize("stage", STAGES)
def test_no_statement_reaches_another_participant(
    run_stage: RunStage, stage: str, a: str, b: str
) -> None:
    mine = run_stage(stage, participant=a, extra={"leda:senderEmail": f"{a}@{a}.example.com"})
    theirs = run_stage(stage, participant=b, extra={"leda:senderEmail": f"{b}@{b}.example.com"})
    targets = _concrete_arns(theirs)
    own = _concrete_arns(mine)
    for statement in _reminder_statements(mine):
        for pattern in as_list(statement["Resource"]):
            reached = [arn for arn in targets if fnmatchcase(arn, pattern)]
            assert not reached, f"{a}'s reminders reach {b}'s {reached}"
            if ":ses:" not in pattern:  # identities are SES's, not declared by the stack
                assert any(fnmatchcase(arn, pattern) for arn in own), pattern
    # Nor does the scheduler's trust policy let the other participant's schedules assume it.
    trust = json.loads(short(mine, "SchedulerRole").inputs["assumeRolePolicy"])
    [statement] = trust["Statement"]
    for source in as_list(statement["Condition"]["ArnLike"]["aws:SourceArn"]):
        theirs_group = str(short(theirs, "ReminderScheduleGroup").arn)
        their_schedule = theirs_group.replace(":schedule-group/", ":schedule/") + "/reminder-x"
        assert not fnmatchcase(theirs_group, source) and not fnmatchcase(their_schedule, source)
