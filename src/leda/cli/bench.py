"""`leda bench`: how fast the offline pipeline is, how close to the limit, what it costs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from leda.cli.errors import reported


def bench(
    stage: Annotated[
        str, typer.Option(help="broken | wired | fault-tolerant | hardened")
    ] = "hardened",
    bursts: Annotated[int, typer.Option(help="Bursts to measure.")] = 3,
    burst_size: Annotated[int, typer.Option(help="Messages per burst.")] = 10_000,
    interval: Annotated[
        float, typer.Option(help="Seconds between bursts; the generator checks after half of it.")
    ] = 40.0,
    data_dir: Annotated[Path | None, typer.Option(help="Keep the run's data here.")] = None,
    limit_seconds: Annotated[
        float, typer.Option(help="Seconds to measure the write limit at each client concurrency.")
    ] = 3.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    no_iam: Annotated[
        bool,
        typer.Option("--no-iam", help="Let every call through (to measure what the checks cost)."),
    ] = False,
) -> None:
    """
    Run the offline pipeline with lab 2's faults on and print speed, limit, memory and cost.
    """
    from leda.bench.run import BenchOptions, run_bench

    out = Console(stderr=as_json)
    with reported(out), out.status("benchmark") as status:
        report = run_bench(
            BenchOptions(
                stage=stage,
                bursts=bursts,
                burst_size=burst_size,
                interval=interval,
                data_dir=data_dir,
                limit_seconds=limit_seconds,
                enforce_iam=not no_iam,
            ),
            progress=lambda step: status.update(step),
        )
    if as_json:
        print(json.dumps(report, indent=2, default=str))
    else:
        render(report, out)


def _row(table: Table, name: str, value: Any) -> None:
    table.add_row(name, "-" if value is None else str(value))


def render(report: dict[str, Any], out: Console) -> None:
    iam = "IAM enforced" if report.get("iam_enforced", True) else "IAM off"
    figures = Table(title=f"leda bench: {report['stage']}, lab 2 on, {iam}", show_edge=False)
    figures.add_column("figure")
    figures.add_column("value", justify="right")
    latency = report["latency_seconds"]
    _row(figures, "messages", f"{report['messages']:,}")
    _row(figures, "every burst correct", report["all_correct"])
    _row(
        figures,
        "seconds to correct p50 / p95 / max",
        f"{latency['p50']} / {latency['p95']} / {latency['max']}",
    )
    _row(figures, "throughput (messages/s, median burst)", report["throughput_messages_per_second"])
    limit = report["limit"]
    _row(
        figures,
        "limit: conditional UpdateItem/s",
        f"{limit['best_calls_per_second']} (at {limit['best_concurrency']} clients)",
    )
    _row(figures, "throughput / limit", report["ratio_to_limit"])
    for name, megabytes in report["peak_memory_mb"].items():
        _row(figures, f"memory MB: {name}", megabytes)
    for name, value in report["per_message"].items():
        _row(figures, f"per message: {name}", value)
    _row(figures, "Lambda GB-seconds", report["lambda_gb_seconds"])
    ours = report["cost_per_million_messages_usd"]
    original = report["workshop_original_cost_per_million_messages_usd"]
    _row(figures, "cost per million messages (USD)", ours.get("total"))
    _row(figures, "workshop's original pattern (USD)", original.get("total"))
    _row(figures, "Kinesis shards per hour (USD, fixed)", report["kinesis_shard_cost_per_hour_usd"])
    _row(
        figures,
        "a running stack per hour (USD: shards + 10,000 messages a minute)",
        report["running_stack_cost_per_hour_usd"],
    )
    out.print(figures)
