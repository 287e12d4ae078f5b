"""Moving a stack broken -> wired -> fault-tolerant changes resources in place: no table,
stream, queue or log group is replaced, and no trigger that stays is recreated."""

from __future__ import annotations

from itertools import combinations
from typing import Any

import pytest

from stacks.mocks.run import StackRun
from stacks.mocks.stateful import REPLACE_ON, STATEFUL_TYPES, replacement_properties
from tests.stacks.conftest import RunStage
from tests.stacks.helpers import ESM, STAGES

STATEFUL = {
    ("aws:kinesis/stream:Stream", "IncomingDataStream"),
    ("aws:dynamodb/table:Table", "StateTable"),
    ("aws:dynamodb/table:Table", "ReduceTable"),
    ("aws:dynamodb/table:Table", "AggregateTable"),
    ("aws:dynamodb/table:Table", "ParameterTable"),
    ("aws:sqs/queue:Queue", "DeadLetterQueue"),
    ("aws:sqs/queue:Queue", "TriggerFailureQueue"),
    ("aws:cloudwatch/logGroup:LogGroup", "GeneratorLambdaLogs"),
    ("aws:cloudwatch/logGroup:LogGroup", "StateLambdaLogs"),
    ("aws:cloudwatch/logGroup:LogGroup", "MapLambdaLogs"),
    ("aws:cloudwatch/logGroup:LogGroup", "ReduceLambdaLogs"),
    # The reminders: the same in every stage.
    ("aws:dynamodb/table:Table", "AppointmentTable"),
    ("aws:dynamodb/table:Table", "ReminderIdempotencyTable"),
    ("aws:sqs/queue:Queue", "ReminderFailureQueue"),
    ("aws:sqs/queue:Queue", "ReminderDeadLetterQueue"),
    ("aws:cloudwatch/logGroup:LogGroup", "ReminderLambdaLogs"),
    ("aws:scheduler/scheduleGroup:ScheduleGroup", "ReminderScheduleGroup"),
}
# The only differences between stages a stateful resource may show (each an in-place update).
IN_PLACE = {("ReduceTable", "streamEnabled"), ("ReduceTable", "streamViewType")}


def stateful(run: StackRun) -> dict[tuple[str, str], dict[str, Any]]:
    lead = "leda-dev-"
    return {
        (r.type, r.name.removeprefix(lead)): dict(r.inputs)
        for r in run.resources
        if r.type in STATEFUL_TYPES
    }


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_declares_the_same_stateful_resources(run_stage: RunStage, stage: str) -> None:
    assert set(stateful(run_stage(stage))) == STATEFUL


@pytest.mark.parametrize(("before", "after"), list(combinations(STAGES, 2)))
def test_replacement_triggering_properties_are_equal(
    run_stage: RunStage, before: str, after: str
) -> None:
    old, new = stateful(run_stage(before)), stateful(run_stage(after))
    for key in STATEFUL:
        typ = key[0]
        assert replacement_properties(typ, old[key]) == replacement_properties(typ, new[key]), key


@pytest.mark.parametrize(("before", "after"), list(combinations(STAGES, 2)))
def test_stateful_resources_differ_only_in_place(
    run_stage: RunStage, before: str, after: str
) -> None:
    old, new = stateful(run_stage(before)), stateful(run_stage(after))
    differences = {
        (name, prop)
        for (typ, name) in STATEFUL
        for prop in old[(typ, name)].keys() | new[(typ, name)].keys()
        if old[(typ, name)].get(prop) != new[(typ, name)].get(prop)
    }
    assert differences <= IN_PLACE
    for name, prop in differences:
        typ = next(t for t, n in STATEFUL if n == name)
        assert prop not in REPLACE_ON[typ]


@pytest.mark.parametrize(("before", "after"), list(combinations(STAGES, 2)))
def test_triggers_kept_between_stages_are_not_recreated(
    run_stage: RunStage, before: str, after: str
) -> None:
    old = {r.name: r for r in run_stage(before).of_type(ESM)}
    new = {r.name: r for r in run_stage(after).of_type(ESM)}
    for name in old.keys() & new.keys():
        assert replacement_properties(ESM, old[name].inputs) == replacement_properties(
            ESM, new[name].inputs
        ), name


def test_the_replacement_properties_cover_what_the_provider_replaces_on() -> None:
    # Names and keys (ForceNew in the AWS provider) must be among the checked properties.
    assert {"name", "hashKey"} <= set(REPLACE_ON["aws:dynamodb/table:Table"])
    assert "name" in REPLACE_ON["aws:kinesis/stream:Stream"]
    assert {"name", "fifoQueue"} <= set(REPLACE_ON["aws:sqs/queue:Queue"])
    assert {"eventSourceArn", "startingPosition"} <= set(REPLACE_ON[ESM])
    assert {"hashKey", "rangeKey"} <= set(REPLACE_ON["aws:dynamodb/table:Table"])
    assert "name" in REPLACE_ON["aws:scheduler/scheduleGroup:ScheduleGroup"]


@pytest.mark.parametrize(("before", "after"), list(combinations(STAGES, 2)))
def test_the_reminders_do_not_change_between_stages(
    run_stage: RunStage, before: str, after: str
) -> None:
    """Not only the stateful ones: the function, roles, policies and trigger too."""

    def reminders(run: StackRun) -> dict[str, Any]:
        component = next(r for r in run.resources if r.type == "leda:reminders:ReminderScheduling")
        assert component.name == "leda-dev-ReminderScheduling"
        names = (
            "AppointmentTable",
            "ReminderIdempotencyTable",
            "ReminderFailureQueue",
            "ReminderDeadLetterQueue",
            "ReminderScheduleGroup",
            "SchedulerRole",
            "SchedulerPolicy",
            "ReminderLambdaLogs",
            "ReminderLambdaRole",
            "ReminderLambdaPolicy",
            "ReminderLambda",
            "ReminderLambdaTrigger",
        )
        return {name: dict(run.named(f"leda-dev-{name}").inputs) for name in names}

    assert reminders(run_stage(before)) == reminders(run_stage(after))
