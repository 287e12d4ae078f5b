"""The `leda` command itself: version, help of the offline commands."""

from __future__ import annotations

from importlib.metadata import version

from typer.testing import CliRunner

from leda.cli.app import app

runner = CliRunner()


def test_version_is_the_installed_package_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"leda {version('leda')}"


def test_serve_is_listed_with_its_options():
    listed = runner.invoke(app, ["local", "--help"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0
    assert "serve" in listed.stdout and "up" in listed.stdout
    serve = runner.invoke(app, ["local", "serve", "--help"], env={"COLUMNS": "200"})
    assert serve.exit_code == 0
    for option in ("--stage", "--participant", "--data-dir", "--generator", "--json"):
        assert option in serve.stdout


def test_a_bad_stage_for_serve_is_one_line_before_anything_starts():
    result = runner.invoke(app, ["local", "serve", "--stage", "fixed"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: unknown stage 'fixed'; allowed: broken | wired | fault-tolerant | hardened | lab"
    ]
