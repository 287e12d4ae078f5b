"""Each participant's stack declares the alarms and dashboard of stacks/monitoring.py: checked
here as the program declares them under the mocks, alarm by alarm (metric, dimensions,
statistic, threshold), against the names of the resources they watch."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stacks.mocks.run import StackRun
from tests.stacks.conftest import RunStage
from tests.stacks.helpers import ESM, FUNCTION, STAGES, short

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
QUEUE = "aws:sqs/queue:Queue"


def alarms(run: StackRun) -> dict[str, dict[str, Any]]:
    return {run.short_names[a.name]: dict(a.inputs) for a in run.of_type(ALARM)}


def _function_names(run: StackRun) -> set[str]:
    return {f.inputs["name"] for f in run.of_type(FUNCTION)}


@pytest.mark.parametrize("stage", STAGES)
def test_every_function_has_an_errors_and_a_throttles_alarm(run_stage: RunStage, stage: str):
    run = run_stage(stage)
    declared = alarms(run)
    for name in _function_names(run):
        short_name = name.removeprefix("leda-dev-")
        for metric in ("Errors", "Throttles"):
            alarm = declared[f"{short_name}{metric}Alarm"]
            assert alarm["namespace"] == "AWS/Lambda"
            assert alarm["metricName"] == metric
            assert alarm["dimensions"] == {"FunctionName": name}
            assert (alarm["statistic"], alarm["threshold"]) == ("Sum", 0)
            assert alarm["comparisonOperator"] == "GreaterThanThreshold"
            assert alarm["period"] == 60


@pytest.mark.parametrize("stage", STAGES)
def test_each_stream_trigger_has_an_iterator_age_alarm_and_nothing_else_does(
    run_stage: RunStage, stage: str
):
    run = run_stage(stage)
    by_name = {f.inputs["name"]: f for f in run.of_type(FUNCTION)}
    triggered = {by_name[m.inputs["functionName"]].inputs["name"] for m in run.of_type(ESM)}
    ages = {
        alarm["dimensions"]["FunctionName"]: alarm
        for alarm in alarms(run).values()
        if alarm["metricName"] == "IteratorAge"
    }
    assert set(ages) == triggered
    for alarm in ages.values():
        assert alarm["namespace"] == "AWS/Lambda"
        assert (alarm["statistic"], alarm["threshold"]) == ("Maximum", 60_000)
        assert alarm["evaluationPeriods"] == 3


def test_broken_watches_only_the_triggers_handed_out():
    """The handout has MapLambda's trigger only (StateLambda's and ReduceLambda's are lab 1)."""
    from stacks import monitoring
    from stacks.stage_model import Stage, model

    ages = [a for a in monitoring.alarms("p", model(Stage.BROKEN)) if a.metric == "IteratorAge"]
    assert [dict(a.dimensions)["FunctionName"] for a in ages] == [
        "p-MapLambda",
        "p-ReminderLambda",
    ]


@pytest.mark.parametrize("stage", STAGES)
def test_every_queue_has_a_visible_messages_alarm(run_stage: RunStage, stage: str):
    run = run_stage(stage)
    queues = {q.inputs["name"] for q in run.of_type(QUEUE)}
    visible = {
        alarm["dimensions"]["QueueName"]: alarm
        for alarm in alarms(run).values()
        if alarm["metricName"] == "ApproximateNumberOfMessagesVisible"
    }
    assert set(visible) == queues and len(queues) == 4
    for alarm in visible.values():
        assert alarm["namespace"] == "AWS/SQS"
        assert (alarm["statistic"], alarm["threshold"]) == ("Maximum", 0)
        assert alarm["comparisonOperator"] == "GreaterThanThreshold"


def test_the_schedule_groups_errors_and_drops(run_stage: RunStage):
    run = run_stage("wired", participant="alice")
    group = short(run, "ReminderScheduleGroup").inputs["name"]
    declared = alarms(run)
    for logical, metric in (
        ("ReminderTargetErrorsAlarm", "TargetErrorCount"),
        ("ReminderDroppedAlarm", "InvocationDroppedCount"),
    ):
        alarm = declared[logical]
        assert alarm["name"] == f"alice-{logical}"
        assert (alarm["namespace"], alarm["metricName"]) == ("AWS/Scheduler", metric)
        assert alarm["dimensions"] == {"ScheduleGroup": group}
        assert (alarm["statistic"], alarm["threshold"]) == ("Sum", 0)


def test_one_dashboard_graphs_every_alarm_and_the_invocation_attempts(run_stage: RunStage):
    run = run_stage("hardened", participant="bob")
    (dashboard,) = run.of_type(DASHBOARD)
    assert dashboard.inputs["dashboardName"] == "bob-Dashboard"
    widgets = json.loads(dashboard.inputs["dashboardBody"])["widgets"]
    graphed = {tuple(w["properties"]["metrics"][0]) for w in widgets}
    for alarm in alarms(run).values():
        (dimension,) = alarm["dimensions"].items()
        assert (alarm["namespace"], alarm["metricName"], *dimension) in graphed
    group = short(run, "ReminderScheduleGroup").inputs["name"]
    assert ("AWS/Scheduler", "InvocationAttemptCount", "ScheduleGroup", group) in graphed
    assert {w["properties"]["region"] for w in widgets} == {"us-east-1"}
    assert run.outputs["dashboardName"] == "bob-Dashboard"


def test_alarm_names_carry_the_participant_and_are_unique(run_stage: RunStage):
    run = run_stage("hardened", participant="carol")
    names = [a.inputs["name"] for a in run.of_type(ALARM)]
    assert len(names) == len(set(names))
    assert all(name.startswith("carol-") for name in names)
