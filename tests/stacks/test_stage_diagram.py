"""The guide's diagrams, drawn from what the program declares for each stage: the pipeline's
chain appears only once its triggers exist, the hardened stage's on-failure destination is a
dashed arrow, and the reminders' schedules act with the role ReminderLambda may pass them."""

from __future__ import annotations

import pytest

from leda import stage_report
from leda.stage_diagram import Arrow, arrows, mermaid
from leda.stage_report import ResourceView, StageView

CHAIN = [
    ("IncomingDataStream", "StateLambda"),
    ("StateLambda", "StateTable"),
    ("StateTable", "MapLambda"),
    ("MapLambda", "ReduceTable"),
    ("ReduceTable", "ReduceLambda"),
    ("ReduceLambda", "AggregateTable"),
]


@pytest.fixture(scope="module")
def views() -> dict[str, StageView]:
    return {s: stage_report.describe(s) for s in ("broken", "wired", "hardened")}


def pairs(view: StageView) -> set[tuple[str, str]]:
    return {(a.source, a.target) for a in arrows(view)}


def test_the_handed_out_stack_misses_two_triggers(views):
    broken = pairs(views["broken"])
    assert set(CHAIN) - broken == {
        ("IncomingDataStream", "StateLambda"),
        ("ReduceTable", "ReduceLambda"),
        ("ReduceLambda", "AggregateTable"),  # ReduceLambdaPolicy allows no write yet
    }
    chart = mermaid(views["broken"])
    assert "StateTable -- trigger, batch 10000 --> MapLambda" in chart  # the gap is drawn
    assert "StateLambda(StateLambda)" in chart
    assert "ReduceLambda(ReduceLambda)" in chart  # drawn, with nothing in or out
    assert "AggregateTable[(AggregateTable)]" in chart


def test_after_lab_1_the_chain_is_whole(views):
    assert set(CHAIN) <= pairs(views["wired"])
    chart = mermaid(views["wired"])
    assert "IncomingDataStream -- trigger, batch 100 --> StateLambda" in chart
    assert "AppointmentTable" not in chart  # the reminders are a diagram of their own


def test_hardened_shows_where_a_given_up_batch_goes(views):
    dashed = [a for a in arrows(views["hardened"]) if a.dashed]
    assert Arrow("StateLambda", "TriggerFailureQueue", "on failure", dashed=True) in dashed
    assert ("StateLambda", "TriggerFailureQueue") not in {
        (a.source, a.target) for a in arrows(views["hardened"]) if not a.dashed
    }


def test_the_reminders_diagram(views):
    chart = mermaid(views["wired"], part="reminders")
    assert "ReminderLambda -- CreateSchedule, DeleteSchedule, UpdateSchedule --> schedules" in chart
    assert "schedules -- SendEmail --> SES" in chart
    assert "IncomingDataStream" not in chart


def test_a_role_passed_to_the_scheduler_is_the_schedules():
    view = StageView(
        "x",
        "p-",
        {
            "Fn": ResourceView("Fn", "lambda.Function", {"role": "FnRole"}),
            "FnPolicy": ResourceView(
                "FnPolicy",
                "iam.RolePolicy",
                {
                    "role": "FnRole",
                    "allow iam:PassRole": "RunRole if iam:PassedToService StringEquals "
                    "scheduler.amazonaws.com",
                    "allow dynamodb:GetItem": "Reads",
                },
            ),
            "RunPolicy": ResourceView(
                "RunPolicy", "iam.RolePolicy", {"role": "RunRole", "allow sqs:SendMessage": "Q"}
            ),
        },
    )
    assert arrows(view) == [Arrow("schedules", "Q", "SendMessage")]  # reads are not arrows


def test_the_command_prints_the_chart_and_refuses_an_unknown_resource():
    from typer.testing import CliRunner

    from leda.cli.app import app

    printed = CliRunner().invoke(app, ["stage", "diagram", "wired"])
    assert printed.exit_code == 0, printed.output
    assert printed.output.startswith("flowchart LR")
    refused = CliRunner().invoke(app, ["stage", "diagram", "wired", "--part", "nope"])
    assert refused.exit_code != 0 and "choose pipeline or reminders" in refused.output
