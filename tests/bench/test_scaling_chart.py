"""`leda bench --plot`: the chart is drawn from the points, and bad options fail before any run."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from leda.bench.scaling import BY_PARTICIPANTS, BY_SIZE, ScalePoint, plot
from leda.cli.app import app

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _point(kind: str, size: int, participants: int, p50: float | None) -> ScalePoint:
    settled = p50 if p50 else 70.0  # never correct: still known, how long it kept the pipeline
    return ScalePoint(kind, size, participants, p50, 1.5, 2 if p50 else 0, 2, 0.0, settled)


def test_the_chart_is_a_png_with_both_panels(tmp_path: Path):
    points = [
        _point(BY_SIZE, 1_000, 1, 2.0),
        _point(BY_SIZE, 10_000, 1, 9.0),
        _point(BY_SIZE, 50_000, 1, None),  # never correct: a gap, not a failure to draw
        _point(BY_PARTICIPANTS, 10_000, 1, 9.0),
        _point(BY_PARTICIPANTS, 10_000, 3, 20.0),
    ]
    chart = tmp_path / "charts" / "scaling.png"
    plot(points, chart, "test")
    data = chart.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    width = int.from_bytes(data[16:20], "big")
    assert width > 1000  # two panels side by side, 11 inches at 110 dpi
    assert points[0].label == "1,000 messages" and points[4].label == "3 participants"


def test_bad_sizes_are_refused_before_anything_runs(tmp_path: Path):
    result = CliRunner().invoke(
        app, ["bench", "--plot", str(tmp_path / "x.png"), "--sizes", "1000,lots"]
    )
    assert result.exit_code != 0
    assert "--sizes" in result.output and "positive whole numbers" in result.output
    assert not (tmp_path / "x.png").exists()


def test_a_lab_that_does_not_exist_is_one_line(tmp_path: Path):
    result = CliRunner().invoke(app, ["bench", "--lab", "3"])
    assert result.exit_code == 1
    assert "--lab 3 is not allowed: use 1 or 2" in result.output


def test_a_size_no_burst_can_have_is_refused_before_any_point_is_played(tmp_path: Path):
    # 1,000 is fine; 60 is not a whole number of PutRecords calls: nothing may run first
    result = CliRunner().invoke(
        app, ["bench", "--plot", str(tmp_path / "x.png"), "--sizes", "1000,60"]
    )
    assert result.exit_code == 1
    assert "--burst-size 60 is not allowed" in result.output
    assert not (tmp_path / "x.png").exists()
