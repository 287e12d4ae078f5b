"""`leda local ...`: the workshop on this machine, no AWS account needed."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.live import Live

from leda.cli.errors import fail
from leda.cli.live_view import live_view, summary_table
from leda.cli.reminders import reminders
from leda.runtime.session import BurstSummary, LocalSession, SessionError, SessionOptions
from leda.session_guard import stopped_on_error

local_app = typer.Typer(
    rich_markup_mode="rich",
    no_args_is_help=True,
    help="Run the workshop offline: DynamoDB Local, kinesalite and moto's server on this machine.",
)

local_app.command(name="reminders")(reminders)


@local_app.command()
def up(
    stage: Annotated[str, typer.Option(help="broken | wired | fault-tolerant")] = "fault-tolerant",
    lab2: Annotated[
        bool,
        typer.Option(
            "--lab2",
            help="Start in lab 2: duplicates, out-of-order versions, failures 5/10/10 %.",
        ),
    ] = False,
    bursts: Annotated[int, typer.Option(help="Bursts to send, one per interval.")] = 3,
    burst_size: Annotated[
        int, typer.Option(help="Messages per burst (the workshop's 10,000 = 250 PutRecords of 40).")
    ] = 10_000,
    interval: Annotated[
        float | None,
        typer.Option(
            help="Seconds between bursts (default: the stack's rate(1 minute)). The generator "
            "checks the aggregates after half of it, at most 30 s, as in the workshop.",
        ),
    ] = None,
    participant: Annotated[
        str | None, typer.Option(help="Name prefix of the participant's resources.")
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="Keep emulator data and trigger checkpoints here; run again with the same "
            "directory to resume where it stopped."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    keep_running: Annotated[
        bool, typer.Option(help="Leave the emulators up afterwards (and say how to stop them).")
    ] = False,
    dynamodb_port: Annotated[
        int | None, typer.Option(help="Port for DynamoDB Local (default: a free one).")
    ] = None,
    kinesis_port: Annotated[
        int | None, typer.Option(help="Port for kinesalite (default: a free one).")
    ] = None,
    moto_port: Annotated[
        int | None, typer.Option(help="Port for moto's server (default: a free one).")
    ] = None,
) -> None:
    """
    Bring a lab stage to life offline, send bursts of trades and check every aggregate.
    """
    out = Console(stderr=as_json)
    try:
        session = LocalSession(
            SessionOptions(
                stage=stage,
                participant=participant,
                lab2=lab2,
                bursts=bursts,
                burst_size=burst_size,
                interval=interval,
                data_dir=data_dir,
                keep_running=keep_running,
                ports=(dynamodb_port, kinesis_port, moto_port),
            )
        )
    except SessionError as error:
        raise fail(error) from None
    with stopped_on_error(session, out):
        with out.status("starting") as status:
            session.start(progress=lambda step: status.update(step))
        for name, endpoint in session.endpoints.items():
            out.print(f"[dim]{name} endpoint:[/dim] {endpoint}")
        summaries = _play(session, out, live=not as_json)
    emulators = dict(session.emulators)
    session.stop(keep_emulators=keep_running)
    if as_json:
        print(
            json.dumps(
                {
                    "stage": stage,
                    "lab2": lab2,
                    "bursts": [asdict(s) for s in summaries],
                    "endpoints": {n: e.endpoint for n, e in emulators.items()},
                },
                indent=2,
            )
        )
    else:
        out.print(summary_table(summaries))
    if keep_running:
        groups = " ".join(f"-{e.process.pid}" for e in emulators.values())
        out.print(f"Emulators left running. Stop them with: [bold]kill -- {groups}[/bold]")


def _play(session: LocalSession, out: Console, live: bool) -> list[BurstSummary]:
    if not live:
        return session.play()
    done = threading.Event()
    result: list[BurstSummary] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.extend(session.play())
        except BaseException as error:
            failure.append(error)
        finally:
            done.set()

    worker = threading.Thread(target=run, name="bursts", daemon=True)
    worker.start()
    previous: tuple[float, Decimal] | None = None
    with Live(console=out, refresh_per_second=2, transient=False) as screen:
        while not done.wait(0.5):
            values = session.referee.aggregates.read() if session.referee else {}
            now, count = time.time(), values.get("message_count", Decimal(0))
            influx = float(count - previous[1]) / (now - previous[0]) if previous else None
            previous = (now, count)
            header = (
                f"stage {session.stage.value} | burst {session.current_burst}/"
                f"{session.options.bursts} | score {session.score()}"
            )
            screen.update(live_view(header, session.snapshot(), values, influx, session.summaries))
    if failure:
        raise failure[0]
    return result
