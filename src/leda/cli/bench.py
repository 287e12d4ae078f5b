"""`leda bench`: how fast the offline pipeline is, how close to the limit, what it costs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from leda.cli.console import console
from leda.cli.errors import reported


def bench(
    stage: Annotated[
        str, typer.Option(help="broken | wired | fault-tolerant | hardened")
    ] = "hardened",
    lab: Annotated[
        int | None,
        typer.Option(
            help="1 or 2 (lab 2 adds duplicates and out-of-order versions); "
            "default: the lab the stage answers (broken, wired: 1; the others: 2)."
        ),
    ] = None,
    bursts: Annotated[int, typer.Option(help="Bursts to measure.")] = 3,
    burst_size: Annotated[int, typer.Option(help="Messages per burst.")] = 10_000,
    interval: Annotated[
        float, typer.Option(help="Seconds between bursts; the generator checks after half of it.")
    ] = 40.0,
    data_dir: Annotated[Path | None, typer.Option(help="Keep the run's data here.")] = None,
    limit_seconds: Annotated[
        float, typer.Option(help="Seconds to measure the write limit at each client concurrency.")
    ] = 3.0,
    plot: Annotated[
        Path | None,
        typer.Option(
            help="Measure scaling instead (bursts of each --sizes, then each --participants "
            "count on one local cloud), print it as a table and draw it into this PNG file."
        ),
    ] = None,
    sizes: Annotated[
        str, typer.Option(help="With --plot: burst sizes, comma-separated.")
    ] = "1000,10000,50000",
    participants: Annotated[
        str,
        typer.Option(
            help="With --plot: participant counts, comma-separated (each bursts --burst-size)."
        ),
    ] = "1,3,5",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    no_iam: Annotated[
        bool,
        typer.Option("--no-iam", help="Let every call through (to measure what the checks cost)."),
    ] = False,
) -> None:
    """
    Run the offline pipeline through the workshop's game and print speed, the write limit of
    the stage's pattern, CPU seconds per process group, memory and cost.
    """
    from leda.bench.run import BenchOptions, run_bench

    out = console(stderr=as_json)
    if plot is not None:
        with reported(out):
            scaling(
                out,
                stage,
                lab,
                _counts(sizes, "--sizes"),
                _counts(participants, "--participants"),
                burst_size,
                bursts,
                interval,
                plot,
                as_json,
            )
        return
    with reported(out), out.status("benchmark") as status:
        report = run_bench(
            BenchOptions(
                stage=stage,
                lab=lab,
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


def _counts(text: str, option: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        values = []
    if not values or any(value < 1 for value in values):
        raise typer.BadParameter(
            f"{option} {text!r}: allowed: positive whole numbers, comma-separated (e.g. 1,3,5)"
        )
    return values


def scaling(
    out: Console,
    stage: str,
    lab: int | None,
    sizes: list[int],
    participants: list[int],
    burst_size: int,
    bursts: int,
    interval: float,
    plot: Path,
    as_json: bool,
) -> None:
    from dataclasses import asdict

    from leda.bench.run import BenchOptions
    from leda.bench.scaling import plot as draw
    from leda.bench.scaling import run_scaling

    options = BenchOptions(stage=stage, lab=lab)
    options.validate()
    lab2 = options.lab_played == 2
    with out.status("scaling") as status:
        points = run_scaling(
            stage,
            lab2,
            sizes,
            participants,
            participant_burst_size=burst_size,
            bursts=bursts,
            interval=interval,
            progress=lambda step: status.update(step),
        )
    title = f"leda bench: {stage}, lab {options.lab_played}, {bursts} bursts a point"
    draw(points, plot, title)
    if as_json:
        print(json.dumps({"stage": stage, "scaling": [asdict(p) for p in points]}, indent=2))
        return
    table = Table(title=f"scaling: {stage}, lab {options.lab_played}", show_edge=False)
    columns = (
        "point",
        "p50 s to correct",
        "p50 s until stopped",
        "CPU ms/message",
        "correct bursts",
        "steal %",
    )
    for column in columns:
        table.add_column(column, justify="left" if column == "point" else "right")
    for point in points:
        table.add_row(
            point.label,
            "-" if point.p50_seconds is None else f"{point.p50_seconds:.2f}",
            "-" if point.p50_settled_seconds is None else f"{point.p50_settled_seconds:.2f}",
            f"{point.cpu_ms_per_message:.3f}",
            f"{point.correct_bursts}/{point.bursts}",
            "-" if point.steal_percent is None else f"{point.steal_percent:.1f}",
        )
    out.print(table)
    out.print(
        "until stopped: first record to the pipeline's last move on the burst, correct or not "
        "(messages older than the workshop's 60 seconds are skipped, so a burst too big for "
        "the machine is never correct)"
    )
    out.print(f"chart: {plot}")


def _row(table: Table, name: str, value: Any) -> None:
    table.add_row(name, "-" if value is None else str(value))


def render(report: dict[str, Any], out: Console) -> None:
    iam = "IAM enforced" if report.get("iam_enforced", True) else "IAM off"
    figures = Table(
        title=f"leda bench: {report['stage']}, lab {report['lab']}, {iam}", show_edge=False
    )
    figures.add_column("figure")
    figures.add_column("value", justify="right")
    latency = report["latency_seconds"]
    _row(figures, "messages", f"{report['messages']:,}")
    _row(figures, "every burst correct", report["all_correct"])
    _row(figures, "seconds to correct: cold (first burst)", latency["cold"])
    _row(
        figures,
        "seconds to correct: p50 warm / p95 / max",
        f"{latency['p50_warm']} / {latency['p95']} / {latency['max']}",
    )
    _row(figures, "throughput (messages/s, median burst)", report["throughput_messages_per_second"])
    limit = report["limit"]
    _row(
        figures,
        f"limit: {limit['pattern']} trades/s",
        f"{limit['best_trades_per_second']} (at {limit['best_concurrency']} clients)",
    )
    _row(figures, "throughput / limit", report["ratio_to_limit"])
    _row(figures, "CPU stolen by the hypervisor during the bursts (%)", report["steal_percent"])
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
    cpu = Table(title="CPU seconds per burst (median of the bursts)", show_edge=False)
    cpu.add_column("process group")
    cpu.add_column("until judged", justify="right")
    cpu.add_column("after", justify="right")
    cpu.add_column("whole burst", justify="right")
    cpu.add_column("ms per message", justify="right")
    per_message = report["cpu_ms_per_message"]
    until = report.get("cpu_seconds_per_burst_until_judged", {})
    after = report.get("cpu_seconds_per_burst_after_judged", {})
    ranked = sorted(report["cpu_seconds_per_burst"].items(), key=lambda kv: -kv[1])
    for group, seconds in ranked:
        cpu.add_row(
            group,
            f"{until.get(group, 0.0):.2f}",
            f"{after.get(group, 0.0):.2f}",
            f"{seconds:.2f}",
            f"{per_message[group]:.3f}",
        )
    cpu.add_row(
        "all",
        f"{sum(until.values()):.2f}",
        f"{sum(after.values()):.2f}",
        f"{sum(s for _, s in ranked):.2f}",
        f"{sum(per_message.values()):.3f}",
    )
    out.print(cpu)
    out.print(
        "until judged: from the burst's first record until the referee found the aggregates "
        "correct (or final and wrong), the latency's path; after: the referee's closing reads"
    )
