"""`leda bench`: the offline pipeline under lab 2's faults, measured.

Speed (seconds from a burst's first record to correct aggregates), the ceiling it runs against
(conditional writes per second on the same DynamoDB Local), peak memory of the runtime, and what
each message costs in request units, invocations and dollars, next to the workshop's original
call pattern priced by the same meter.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from leda.bench import meter
from leda.bench.cost import (
    cost_per_million_messages,
    running_cost_per_hour,
    shard_cost_per_hour,
    workshop_original_usage,
)
from leda.bench.limit import measure
from leda.bench.memory import PeakMemory, own_pid, rss_bytes
from leda.bench.meter import Usage
from leda.cloud.local_cloud import CloudOptions, LocalCloud, new_client
from leda.deployment.deployment import Deployment, DeploymentOptions
from leda.workshop.run import WorkshopOptions, WorkshopRun


@dataclass(frozen=True)
class BenchOptions:
    stage: str = "hardened"
    bursts: int = 3
    burst_size: int = 10_000
    interval: float = 40.0
    data_dir: Path | None = None
    limit_seconds: float = 3.0  # per client concurrency
    enforce_iam: bool = True  # the functions call as their roles (off: to measure its cost)


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def total_usage(parts: list[dict[str, Any]]) -> Usage:
    """Sum the per-invocation usage the function workers reported."""
    total = Usage()
    for part in parts:
        total = total + Usage.from_dict(part)
    return total


def run_bench(
    options: BenchOptions, progress: Callable[[str], None] = lambda _: None
) -> dict[str, Any]:
    workshop = WorkshopOptions(
        lab2=True, bursts=options.bursts, burst_size=options.burst_size, interval=options.interval
    )
    deployment_options = DeploymentOptions(
        stage=options.stage, meter=meter.__name__, enforce_iam=options.enforce_iam
    )
    workshop.validate()
    deployment_options.validate()
    with (
        LocalCloud(CloudOptions(data_dir=options.data_dir), progress=progress) as cloud,
        Deployment(cloud, deployment_options, progress=progress) as deployment,
        WorkshopRun(deployment, workshop) as run,
    ):
        progress(f"{options.bursts} bursts of {options.burst_size:,} messages with lab 2 on")
        with PeakMemory(lambda: [own_pid(), *deployment.worker_pids()]) as memory:
            summaries = run.play(
                on_burst=lambda s: progress(
                    f"burst {s.burst}: correct={s.correct} latency={s.latency_seconds}"
                )
            )
        emulator_rss = {
            name: rss_bytes(pid) for name, pid in cloud.pids().items() if name != "dynamodb"
        }
        progress("measuring the limit: conditional UpdateItem calls per second")
        limit = measure(
            lambda: new_client("dynamodb", cloud.endpoint_for("dynamodb")),
            seconds=options.limit_seconds,
        )
        functions = deployment.usage()
        shards = max((stream.shards for stream in deployment.plan.streams), default=0)
    messages = sum(s.sent for s in summaries)
    usage = total_usage([call for f in functions.values() for call in f.metered_calls])
    invocations = {name: f.invocations for name, f in functions.items()}
    gb_seconds = sum(f.busy_seconds * f.memory_mb / 1024 for f in functions.values())
    latencies = [s.latency_seconds for s in summaries if s.latency_seconds is not None]
    rates = [options.burst_size / latency for latency in latencies]
    throughput = statistics.median(rates) if rates else None
    cost = cost_per_million_messages(usage, messages, gb_seconds, sum(invocations.values()))
    by_role = {f.logical_id: f.invocations for f in functions.values()}
    original_usage = workshop_original_usage(messages, by_role)
    original = cost_per_million_messages(
        original_usage, messages, gb_seconds, sum(invocations.values())
    )
    return {
        "stage": options.stage,
        "iam_enforced": options.enforce_iam,
        "bursts": [asdict(s) for s in summaries],
        "messages": messages,
        "all_correct": all(s.correct for s in summaries),
        "latency_seconds": {
            "p50": _quantile(latencies, 0.50),
            "p95": _quantile(latencies, 0.95),
            "max": max(latencies) if latencies else None,
        },
        "throughput_messages_per_second": round(throughput, 1) if throughput else None,
        "limit": asdict(limit),
        "ratio_to_limit": round(throughput / limit.best_calls_per_second, 3)
        if throughput
        else None,
        "peak_memory_mb": {
            "runtime": round(memory.peak / 2**20, 1),
            **{f"{name} (now)": round(rss / 2**20, 1) for name, rss in emulator_rss.items()},
        },
        "usage": usage.to_dict(),
        "per_message": {
            "read_units": round(usage.read_units / messages, 4) if messages else None,
            "write_units": round(usage.write_units / messages, 4) if messages else None,
            "kinesis_put_units": round(usage.kinesis_put_units / messages, 4) if messages else None,
            "lambda_invocations_per_1000": round(1000 * sum(invocations.values()) / messages, 2)
            if messages
            else None,
        },
        "invocations": invocations,
        "lambda_gb_seconds": round(gb_seconds, 2),
        "cost_per_million_messages_usd": asdict(cost),
        "workshop_original_cost_per_million_messages_usd": asdict(original),
        "workshop_original_usage": original_usage.to_dict(),
        "kinesis_shard_cost_per_hour_usd": shard_cost_per_hour(shards),
        # A stack left running on AWS: its shards and 10,000 messages a minute at this run's
        # cost per message.
        "running_stack_cost_per_hour_usd": round(running_cost_per_hour(shards, cost.total), 4),
    }
