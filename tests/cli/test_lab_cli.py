"""`leda lab start | solution | reset` from the command line, and `check`'s refusals that come
before anything runs (the checks themselves run in tests/e2e/test_lab_check.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from leda.cli.app import app

runner = CliRunner()


def test_start_solution_and_reset(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    started = runner.invoke(app, ["lab", "start", str(folder)])
    assert started.exit_code == 0, started.output
    assert (folder / "lab.yaml").is_file()

    shown = runner.invoke(app, ["lab", "solution", "lab1-step1", "-w", str(folder)])
    assert shown.exit_code == 0
    assert "-StateLambdaTrigger: null\n" in shown.stdout
    assert "+  batchSize: 100\n" in shown.stdout
    assert "StateLambdaTrigger: null" in (folder / "lab.yaml").read_text()  # shown, not written

    applied = runner.invoke(app, ["lab", "solution", "lab1-step1", "-w", str(folder), "--apply"])
    assert applied.exit_code == 0
    assert "batchSize: 100" in (folder / "lab.yaml").read_text()
    again = runner.invoke(app, ["lab", "solution", "lab1-step1", "-w", str(folder)])
    assert "holds the answer already" in again.stdout

    reset = runner.invoke(app, ["lab", "reset", "lab1-step1", "-w", str(folder)])
    assert reset.exit_code == 0
    assert "StateLambdaTrigger: null" in (folder / "lab.yaml").read_text()

    nothing = runner.invoke(app, ["lab", "solution", "lab1-step2", "-w", str(folder)])
    assert "nothing to edit" in nothing.stdout


def test_bad_input_is_one_line_and_exit_1(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    runner.invoke(app, ["lab", "start", str(folder)])
    cases = [
        (["lab", "start", str(folder)], "already exists and is not an empty folder"),
        (["lab", "check", "lab9", "-w", str(folder)], "unknown step 'lab9'; allowed: lab1-step1"),
        (["lab", "reset", "lab1-step1", "-w", str(tmp_path)], "create one with `leda lab start"),
        (["lab", "check", "-w", str(tmp_path / "none")], "no lab workspace at"),
    ]
    for args, message in cases:
        result = runner.invoke(app, args, env={"COLUMNS": "300"})
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output, result.output


def test_a_workspace_that_does_not_read_fails_the_check_before_anything_starts(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "ws"
    runner.invoke(app, ["lab", "start", str(folder)])
    settings = folder / "lab.yaml"
    settings.write_text(
        settings.read_text().replace("StateLambdaTrigger: null", "StateLambdaTrigger: 7")
    )
    result = runner.invoke(app, ["lab", "check", "-w", str(folder)], env={"COLUMNS": "300"})
    assert result.exit_code == 1
    assert "StateLambdaTrigger must be null or a mapping" in result.output


def test_commands_run_inside_a_workspace_use_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No `-w` needed from the workspace or below it, as git finds its repository."""
    folder = tmp_path / "ws"
    runner.invoke(app, ["lab", "start", str(folder)])
    monkeypatch.chdir(folder / "functions")
    applied = runner.invoke(app, ["lab", "solution", "lab1-step1", "--apply"])
    assert applied.exit_code == 0, applied.output
    assert "batchSize: 100" in (folder / "lab.yaml").read_text()
    reset = runner.invoke(app, ["lab", "reset", "lab1-step1"], env={"COLUMNS": "300"})
    assert reset.exit_code == 0, reset.output
    assert str(folder / "lab.yaml") in reset.output
    assert "StateLambdaTrigger: null" in (folder / "lab.yaml").read_text()

    monkeypatch.chdir(tmp_path)  # outside any workspace: ./lab, which is not there
    missing = runner.invoke(app, ["lab", "reset", "lab1-step1"], env={"COLUMNS": "300"})
    assert missing.exit_code == 1
    assert f"no lab workspace at {tmp_path / 'lab'}" in missing.output


def test_off_a_terminal_a_long_path_is_printed_whole_on_one_line(tmp_path: Path) -> None:
    """Rich would fold it at 80 columns in a log; `leda.cli.console` gives logs 160."""
    # A path of 120 characters: past 80, and short of 160 with the line's own words.
    folder = tmp_path / ("w" * max(1, 120 - len(f"{tmp_path}/") - len("/lab.yaml")))
    runner.invoke(app, ["lab", "start", str(folder)])
    runner.invoke(app, ["lab", "solution", "lab1-step1", "-w", str(folder), "--apply"])
    reset = runner.invoke(
        app, ["lab", "reset", "lab1-step1", "-w", str(folder)], env={"COLUMNS": None}
    )
    assert reset.exit_code == 0, reset.output
    assert 80 < len(str(folder / "lab.yaml")) <= 130
    assert f"lab1-step1 reset: {folder / 'lab.yaml'}" in reset.output.splitlines()
