"""The `lab` stage: the program reads a participant's workspace. Handed out it declares the
broken stage; with lab 1's answers, exactly what `wired` declares; its code is the workspace's,
laid over the functions' artifacts; bad settings fail before anything is declared."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leda import stage_report
from leda.lab import workspace
from leda.lab.steps import step
from stacks.mocks import run as mock_run
from stacks.stage_model import Stage
from tests.stacks.helpers import triggers


def _run(folder: Path, **extra: str) -> mock_run.StackRun:
    return mock_run.run(
        mock_run.stage_config("lab", extra={"leda:labWorkspace": str(folder), **extra}),
        require_artifacts=False,
    )


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    workspace.start(folder)
    return folder


def _shape(run: mock_run.StackRun) -> dict[str, object]:
    """What a stage decides: triggers and their settings, the ReduceTable stream, Reduce's
    concurrency, every role's policy, switch values aside."""
    short = run.short_names
    return {
        "triggers": {
            name: {k: v for k, v in m.inputs.items() if k not in ("eventSourceArn",)}
            for name, m in triggers(run).items()
        },
        "stream": run.named("leda-dev-ReduceTable").inputs["streamEnabled"],
        "reserved": {
            short[r.name]: r.inputs.get("reservedConcurrentExecutions")
            for r in run.of_type("aws:lambda/function:Function")
        },
        "policies": {
            short[r.name]: _grants(r.inputs["policy"])
            for r in run.of_type("aws:iam/rolePolicy:RolePolicy")
        },
    }


def _grants(policy: str) -> set[tuple[str, str]]:
    """(action, resource) pairs: what a policy allows, whatever its statements are called."""
    return {
        (action, resource)
        for statement in json.loads(policy)["Statement"]
        for action in statement["Action"]
        for resource in statement["Resource"]
    }


def test_handed_out_it_declares_the_broken_stage(ws: Path) -> None:
    assert _shape(_run(ws)) == _shape(
        mock_run.run(mock_run.stage_config("broken"), require_artifacts=False)
    )


def test_with_lab_one_answered_it_declares_what_wired_does(ws: Path) -> None:
    for step_id in ("lab1-step1", "lab1-step3"):
        workspace.apply_solution(ws, step(step_id))
    wired = mock_run.run(mock_run.stage_config("wired"), require_artifacts=False)
    lab = _run(ws)
    assert _shape(lab)["triggers"] == _shape(wired)["triggers"]
    assert _shape(lab)["reserved"] == _shape(wired)["reserved"]
    assert _shape(lab)["stream"] is True
    # every role grants what wired's does (statement names aside), ReduceLambda's included
    assert _shape(lab)["policies"] == _shape(wired)["policies"]


def test_the_workspace_code_goes_over_the_artifacts(ws: Path, tmp_path: Path) -> None:
    build = tmp_path / "build"
    for logical_id in ("StateLambda", "ReduceLambda"):
        (build / logical_id / "leda_lambda").mkdir(parents=True)
        (build / logical_id / "state_lambda.py").write_text("# the library's\n")
        (build / logical_id / "leda_lambda" / "__init__.py").write_text("")
    run = _run(ws, **{"leda:artifactsDir": str(build)})
    code = run.named("leda-dev-StateLambda").inputs["code"]["assetArchive"]
    assert code["state_lambda.py"] == {"fileAsset": str(ws / "functions" / "state_lambda.py")}
    assert code["constants.py"] == {"fileAsset": str(ws / "functions" / "constants.py")}
    assert code["leda_lambda/__init__.py"] == {
        "fileAsset": str(build / "StateLambda" / "leda_lambda" / "__init__.py")
    }
    # functions the participant does not edit keep their artifact as it is
    assert "fileArchive" in run.named("leda-dev-MapLambda").inputs["code"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("StateLambdaTrigger: null", "StateLambdaTrigger: {source: ReduceTable}"),
            "StateLambdaTrigger.source is 'ReduceTable'; allowed: IncomingDataStream",
        ),
        (
            (
                "StateLambdaTrigger: null",
                "StateLambdaTrigger: {source: IncomingDataStream,\n  batchSize: 0}",
            ),
            "StateLambdaTrigger.batchSize is 0; allowed: 1-10000",
        ),
        (
            ("ReduceLambdaReservedConcurrency: null", "ReduceLambdaReservedConcurrency: one"),
            "ReduceLambdaReservedConcurrency is 'one'; allowed: null or 0-1000",
        ),
        (
            ("Resource: table/ParameterTable", "Resource: table/Parameters"),
            "Resource 'table/Parameters'; allowed: table/<Table>",
        ),
        (
            ("StateLambdaTrigger: null", "StateLambdaTriger: null"),
            "unknown setting(s) StateLambdaTriger",
        ),
    ],
)
def test_bad_settings_fail_before_anything_is_declared(ws: Path, edit, message) -> None:
    settings = ws / "lab.yaml"
    settings.write_text(settings.read_text().replace(*edit))
    result = mock_run.record(
        mock_run.stage_config("lab", extra={"leda:labWorkspace": str(ws)}), require_artifacts=False
    )
    assert result.error is not None and message in str(result.error)
    assert result.resources == ()


def test_a_missing_workspace_names_the_command_that_makes_one(tmp_path: Path) -> None:
    result = mock_run.record(
        mock_run.stage_config("lab", extra={"leda:labWorkspace": str(tmp_path / "none")}),
        require_artifacts=False,
    )
    assert "create one with `leda lab start" in str(result.error)


def test_a_workspace_belongs_to_the_lab_stage_only(ws: Path) -> None:
    result = mock_run.record(
        mock_run.stage_config("wired", extra={"leda:labWorkspace": str(ws)}),
        require_artifacts=False,
    )
    assert "leda:labWorkspace is set but leda:stage is 'wired'" in str(result.error)


def test_no_stage_change_to_or_from_lab_replaces_anything() -> None:
    for other in ("broken", "wired", "fault-tolerant", "hardened"):
        assert stage_report.diff("lab", other).replaced == []
    assert Stage.LAB.value == "lab"
