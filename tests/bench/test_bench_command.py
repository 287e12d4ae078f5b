"""`leda bench` end to end at a tiny size: it runs, and its JSON has every figure."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from leda.cli.bench import render

pytestmark = [pytest.mark.slow, pytest.mark.emulator]


def _bench(*args: str) -> dict[str, Any]:
    leda = str(Path(sys.executable).parent / "leda")
    result = subprocess.run(
        [
            leda,
            "bench",
            *args,
            "--bursts",
            "1",
            "--burst-size",
            "80",
            "--interval",
            "8",
            "--limit-seconds",
            "0.5",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_bench_runs_and_reports_every_field():
    # wired: lab 1's answer, played in lab 1; hardened's batched pattern is checked from its
    # plan in test_write_pattern.py (one end-to-end run here keeps the suite's time)
    report = _bench("--stage", "wired")
    assert set(report) >= {
        "stage",
        "bursts",
        "messages",
        "all_correct",
        "latency_seconds",
        "throughput_messages_per_second",
        "limit",
        "ratio_to_limit",
        "write_pattern",
        "cpu_seconds_per_burst",
        "cpu_ms_per_message",
        "steal_percent",
        "peak_memory_mb",
        "usage",
        "per_message",
        "invocations",
        "lambda_gb_seconds",
        "cost_per_million_messages_usd",
        "workshop_original_cost_per_million_messages_usd",
        "kinesis_shard_cost_per_hour_usd",
        "running_stack_cost_per_hour_usd",
    }
    assert report["messages"] == 80
    assert report["stage"] == "wired" and report["lab"] == 1
    assert report["all_correct"] is True
    assert set(report["latency_seconds"]) == {"cold", "p50", "p50_warm", "p95", "max"}
    # wired writes one UpdateItem per message: its limit is measured in those calls
    assert report["write_pattern"] == report["limit"]["pattern"] == "update-item"
    assert report["limit"]["best_trades_per_second"] > 0
    assert set(report["limit"]["by_concurrency"]) == {"1", "2", "4", "8"}
    cpu = report["cpu_seconds_per_burst"]
    for group in (
        "DynamoDB Local",
        "kinesalite",
        "runtime: stream pollers",
        "runtime: play loop and referee",
        "workers: StateLambda",
        "workers: MapLambda",
        "workers: ReduceLambda",
        "workers: GeneratorLambda",
    ):
        assert cpu[group] > 0, (group, cpu)
    # Each burst's window split where the referee judged it: the two parts add up to the whole,
    # and the pipeline's work (StateLambda's writes) falls before the judgement.
    whole = report["cpu_seconds_per_burst_by_burst"]
    until = report["cpu_seconds_until_judged_by_burst"]
    after = report["cpu_seconds_after_judged_by_burst"]
    assert len(whole) == len(until) == len(after) == 1
    for group, seconds in whole[0].items():
        assert until[0].get(group, 0.0) + after[0].get(group, 0.0) == pytest.approx(
            seconds, abs=0.011
        ), group
    assert report["cpu_seconds_per_burst_until_judged"]["workers: StateLambda"] > 0
    # the referee's closing reads (and the idle pollers meanwhile) come after the judgement
    assert sum(after[0].values()) > 0
    assert report["cpu_seconds_per_burst_until_judged"] == until[0]
    shown = StringIO()
    render(report, Console(file=shown, width=160))
    assert "until judged" in shown.getvalue()
    assert "workers: StateLambda" in shown.getvalue()
    memory = report["peak_memory_mb"]
    assert memory["runtime and workers (PSS)"] > 0
    # What the peak was made of: the runtime and each function's workers, adding up to it.
    parts = {name: mb for name, mb in memory.items() if name.startswith("at the peak: ")}
    assert parts["at the peak: runtime alone (PSS)"] > 0
    assert any(name.startswith("at the peak: workers: StateLambda (PSS, ") for name in parts)
    assert abs(sum(parts.values()) - memory["runtime and workers (PSS)"]) <= 0.05 * len(parts)
    usage = report["usage"]
    assert usage["kinesis_put_units"] == 80  # every message is one PUT payload unit
    assert usage["write_units"] > 0
    assert usage["by_operation"]["kinesis.PutRecords"] == 2  # 80 messages, 40 per call
    per_message = report["per_message"]
    assert set(per_message) == {
        "read_units",
        "write_units",
        "kinesis_put_units",
        "lambda_invocations_per_1000",
    }
    for figures in (
        report["cost_per_million_messages_usd"],
        report["workshop_original_cost_per_million_messages_usd"],
    ):
        assert figures["total"] > 0
