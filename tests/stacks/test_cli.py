"""`leda stage show|diff`: the program read under mocks, printed as the labs' answer key."""

from __future__ import annotations

from itertools import permutations

import pytest
from typer.testing import CliRunner

from leda import stage_report
from leda.cli.app import app
from tests.stacks.helpers import STAGES

runner = CliRunner()


def test_show_lists_resources_settings_and_permissions() -> None:
    result = runner.invoke(app, ["stage", "show", "wired"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Stage wired: " in out and "names prefixed leda-dev-" in out
    assert "StateLambdaTrigger  lambda.EventSourceMapping" in out
    assert "    batchSize: 100" in out
    assert "    eventSourceArn: ReduceTable stream" in out
    assert "    allow dynamodb:UpdateItem: AggregateTable" in out
    assert "    environment.variables.STATE_WRITE: unconditional" in out


def test_show_uses_the_participant() -> None:
    result = runner.invoke(app, ["stage", "show", "broken", "--participant", "alice"])
    assert result.exit_code == 0, result.output
    assert "names prefixed alice-" in result.stdout
    assert "StateLambdaTrigger" not in result.stdout


def test_diff_broken_to_wired_is_lab_one() -> None:
    result = runner.invoke(app, ["stage", "diff", "broken", "wired"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    # Lab 1 wires triggers and grants; no function changes its code path. The two new triggers
    # bring their IteratorAge alarms, and the dashboard graphs them.
    assert out.splitlines()[0] == ("broken -> wired: 4 added, 0 removed, 4 changed; replaced: none")
    assert "+ StateLambdaIteratorAgeAlarm  cloudwatch.MetricAlarm" in out
    assert "+ ReduceLambdaIteratorAgeAlarm  cloudwatch.MetricAlarm" in out
    assert "environment.variables" not in out
    assert "+ StateLambdaTrigger  lambda.EventSourceMapping" in out
    assert "+ ReduceLambdaTrigger  lambda.EventSourceMapping" in out
    assert "~ ReduceTable  dynamodb.Table  in place" in out
    assert "    streamEnabled: false -> true" in out
    assert "    + allow dynamodb:GetRecords: ReduceTable/stream/*" in out
    assert "    + allow dynamodb:UpdateItem: AggregateTable" in out
    assert "    + reservedConcurrentExecutions: 1" in out


def test_diff_wired_to_fault_tolerant_is_lab_two_code_only() -> None:
    result = runner.invoke(app, ["stage", "diff", "wired", "fault-tolerant"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "    environment.variables.STATE_WRITE: unconditional -> version-conditional" in out
    assert "    environment.variables.REDUCE_IDEMPOTENCY: none -> token" in out
    # nothing else: no trigger, policy or other variable changes in lab 2
    assert "allow" not in out and "maximumRetryAttempts" not in out
    assert "GENERATOR_REFUSED_RECORDS" not in out and "MAP_WRITE_ERRORS" not in out


def test_diff_fault_tolerant_to_hardened_is_lab_three() -> None:
    result = runner.invoke(app, ["stage", "diff", "fault-tolerant", "hardened"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "    maximumRetryAttempts: -1 -> 10" in out
    assert "    bisectBatchOnFunctionError: false -> true" in out
    assert "    + destinationConfig.onFailure.destinationArn: TriggerFailureQueue" in out
    assert "    - allow dynamodb:UpdateItem: StateTable" in out
    assert "    + allow dynamodb:PartiQLInsert: StateTable" in out
    assert "    + environment.variables.DEAD_LETTER_QUEUE_URL: DeadLetterQueue" in out
    assert (
        "    environment.variables.STATE_WRITE: version-conditional -> version-conditional-batched"
        in out
    )
    assert "    environment.variables.REDUCE_IDEMPOTENCY: token -> token-and-marker" in out
    assert "    environment.variables.GENERATOR_REFUSED_RECORDS: drop -> resend" in out
    assert "    environment.variables.MAP_WRITE_ERRORS: return-500 -> raise" in out


@pytest.mark.parametrize(("before", "after"), list(permutations(STAGES, 2)))
def test_no_stage_change_replaces_anything(before: str, after: str) -> None:
    result = stage_report.diff(before, after)
    assert result.replaced == []
    assert result.changed


def test_diff_flags_a_replacement() -> None:
    before = stage_report.describe("wired")
    renamed = {
        name: stage_report.ResourceView(
            view.name,
            view.kind,
            {**view.settings, "hashKey": "other"} if name == "StateTable" else view.settings,
            view.replace_on,
        )
        for name, view in before.resources.items()
    }
    after = stage_report.StageView("wired", before.prefix, renamed)
    assert stage_report.compare(before, after).replaced == ["StateTable"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["stage", "show", "wird"],
            "Error: unknown stage 'wird'; allowed: broken | wired | fault-tolerant | "
            "hardened | lab",
        ),
        (["stage", "diff", "wired", "lab3"], "Error: unknown stage 'lab3'; allowed:"),
        (
            ["stage", "show", "wired", "--participant", "a b"],
            "Error: invalid stack config: leda:participant='a b'",
        ),
        (["stage", "show", "wired", "--participant", "x" * 50], "allowed: at most 44"),
    ],
)
def test_errors_are_one_line_and_exit_code_one(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.output
