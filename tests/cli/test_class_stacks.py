"""`leda class provision | advance | status | destroy` on a recording stack backend (no Pulumi
CLI here): summaries, failures, --only, confirmation."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import leda.cli.classroom as classroom
from leda.cli.app import app
from tests.classroom.test_provision import RecordingBackend

runner = CliRunner()


@pytest.fixture
def backend(monkeypatch) -> RecordingBackend:
    recording = RecordingBackend(fail={"bob"}, seconds=0)
    monkeypatch.setattr(classroom, "BACKEND", lambda: recording)
    return recording


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "class.csv"
    path.write_text("name,email\nalice,alice@example.org\nbob,bob@example.org\ncarol,\n")
    return path


def test_provision_reports_each_and_fails_for_one(backend, roster):
    result = runner.invoke(
        app, ["class", "provision", "--roster", str(roster), "--sender", "c@example.org"]
    )
    assert result.exit_code == 1
    assert "1 of 3 failed" in result.output and "AccessDenied" in result.output
    assert sorted(backend.stacks) == ["alice", "carol"]
    assert backend.stacks["carol"]["leda:senderEmail"] == "c@example.org"


def test_a_participant_without_a_sender_is_refused_before_anything(backend, roster):
    result = runner.invoke(app, ["class", "provision", "--roster", str(roster)])
    assert result.exit_code == 1
    assert "no sender for carol" in result.output
    assert backend.calls == []


def test_advance_only_some(backend, roster):
    args = ["--roster", str(roster), "--sender", "c@example.org"]
    runner.invoke(app, ["class", "provision", *args])
    result = runner.invoke(app, ["class", "advance", *args, "--to", "wired", "--only", "alice"])
    assert result.exit_code == 0, result.output
    assert backend.stacks["alice"]["leda:stage"] == "wired"
    assert backend.stacks["carol"]["leda:stage"] == "broken"
    unknown = runner.invoke(app, ["class", "advance", *args, "--to", "wired", "--only", "zed"])
    assert unknown.exit_code == 1 and "--only zed: not on the roster" in unknown.output
    bad = runner.invoke(app, ["class", "advance", *args, "--to", "fixed"])
    assert bad.exit_code == 1 and "unknown stage 'fixed'" in bad.output


def test_destroy_asks_first(backend, roster):
    runner.invoke(app, ["class", "provision", "--roster", str(roster), "--sender", "c@ex.org"])
    declined = runner.invoke(app, ["class", "destroy", "--roster", str(roster)], input="n\n")
    assert declined.exit_code == 1 and sorted(backend.stacks) == ["alice", "carol"]
    done = runner.invoke(app, ["class", "destroy", "--roster", str(roster), "--yes"])
    assert done.exit_code == 0, done.output
    assert backend.stacks == {}


def test_lab_reached_by_score():
    from leda.classroom.scoreboard import lab_reached

    assert lab_reached(299) == "lab 1"
    assert lab_reached(300) == "lab 2"


def test_status_shows_each_stage_and_a_failure_in_its_row(backend, roster):
    runner.invoke(app, ["class", "provision", "--roster", str(roster), "--sender", "c@ex.org"])
    result = runner.invoke(app, ["class", "status", "--roster", str(roster)])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line for line in result.output.splitlines() if line.strip()}
    assert "broken" in rows["alice"] and "2026-12-03" in rows["alice"]
    assert "error: no stack named" in rows["bob"]  # bob's stack was never made; the rest go on


def test_scoreboard_ranks_every_participant_and_names_an_unreadable_one(backend, roster):
    runner.invoke(app, ["class", "provision", "--roster", str(roster), "--sender", "c@ex.org"])
    result = runner.invoke(
        app, ["class", "scoreboard", "--roster", str(roster)], env={"COLUMNS": "250"}
    )
    assert result.exit_code == 0, result.output
    assert "Leda scoreboard" in result.output
    # No stack exports a ParameterTable in the recording backend: each row says so.
    assert result.output.count("cannot read the score") == 3


def test_without_the_pulumi_cli_each_command_says_so(roster, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no pulumi anywhere
    result = runner.invoke(
        app, ["class", "provision", "--roster", str(roster), "--sender", "c@ex.org"]
    )
    assert result.exit_code == 1
    assert "the Pulumi CLI is not on PATH" in result.output
