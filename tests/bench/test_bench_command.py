"""`leda bench` end to end at a tiny size: it runs, and its JSON has every figure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.emulator]


def test_bench_runs_and_reports_every_field():
    leda = str(Path(sys.executable).parent / "leda")
    result = subprocess.run(
        [
            leda,
            "bench",
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
    report = json.loads(result.stdout)
    assert set(report) >= {
        "stage",
        "bursts",
        "messages",
        "all_correct",
        "latency_seconds",
        "throughput_messages_per_second",
        "limit",
        "ratio_to_limit",
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
    assert set(report["latency_seconds"]) == {"p50", "p95", "max"}
    assert report["limit"]["best_calls_per_second"] > 0
    assert set(report["limit"]["by_concurrency"]) == {"1", "4", "8", "16"}
    assert report["peak_memory_mb"]["runtime"] > 0
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
