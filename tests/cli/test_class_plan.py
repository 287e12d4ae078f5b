"""`leda class plan` from the command line: problems by line, the class against its quotas."""

from __future__ import annotations

from typer.testing import CliRunner

from leda.cli.app import app

runner = CliRunner()


def test_a_class_that_fits(tmp_path):
    roster = tmp_path / "class.csv"
    roster.write_text("name\n" + "".join(f"p{i}\n" for i in range(3)))
    result = runner.invoke(app, ["class", "plan", "--roster", str(roster), "--stage", "wired"])
    assert result.exit_code == 0, result.output
    assert "each participant (wired): 20 Kinesis shards, 1 Lambda concurrency" in result.output
    assert "3 participants without problems" in result.output


def test_roster_problems_exit_1_with_their_lines(tmp_path):
    roster = tmp_path / "class.csv"
    roster.write_text("name\nalice\nALICE\n")
    result = runner.invoke(app, ["class", "plan", "--roster", str(roster)])
    assert result.exit_code == 1
    assert "line 3: name 'ALICE' is already on line 2" in result.output


def test_too_big_a_class_is_refused_unless_forced(tmp_path):
    roster = tmp_path / "class.yaml"
    roster.write_text("".join(f"- p{i}\n" for i in range(26)))
    refused = runner.invoke(app, ["class", "plan", "--roster", str(roster), "--stage", "wired"])
    assert refused.exit_code == 1
    assert (
        "the class does not fit: Kinesis shards per region in profile default, us-east-1: 520 > 500"
        in refused.output
    )
    forced = runner.invoke(
        app, ["class", "plan", "--roster", str(roster), "--stage", "wired", "--force"]
    )
    assert forced.exit_code == 0
    assert "going on (--force)" in forced.output


def test_an_unknown_stage_is_one_line(tmp_path):
    roster = tmp_path / "class.csv"
    roster.write_text("name\nalice\n")
    result = runner.invoke(app, ["class", "plan", "--roster", str(roster), "--stage", "fixed"])
    assert result.exit_code == 1
    assert "unknown stage 'fixed'" in result.output
