"""`leda local ...`: the workshop on this machine, no AWS account needed.

`up` plays bursts of trades and referees them; `serve` brings the stack up and leaves it to the
user's own producer and tools. Both compose the same three layers: LocalCloud (emulators),
Deployment (the stack), WorkshopRun (the game).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console, RenderableType
from rich.live import Live

from leda.cli.console import console
from leda.cli.errors import USER_ERRORS, fail, reported
from leda.cli.invoke import invoke
from leda.cli.live_view import InfluxMeter, live_view
from leda.cli.reminders import reminders
from leda.cli.serve_registry import registered
from leda.cloud.credentials import LOCAL_CREDENTIALS, LOCAL_REGION
from leda.cloud.local_cloud import CloudOptions, LocalCloud
from leda.deployment.deployment import (
    Deployment,
    DeploymentOptions,
    check_data_dir,
)
from leda.deployment.plan import LocalPlan
from leda.faults.plan import FaultPlan
from leda.workshop.run import BurstSummary, WorkshopOptions, WorkshopRun
from leda.workshop.tables import read_aggregates

local_app = typer.Typer(
    rich_markup_mode="rich",
    no_args_is_help=True,
    help="Run the workshop offline: DynamoDB Local, kinesalite and moto's server on this machine.",
)

local_app.command(name="reminders")(reminders)
local_app.command(name="invoke")(invoke)

StageOption = Annotated[
    str,
    typer.Option(help="broken | wired | fault-tolerant | hardened: the lab stage of the stack."),
]
ParticipantOption = Annotated[
    str | None,
    typer.Option(help="Name prefix of the participant's resources (default: leda-dev)."),
]
DataDirOption = Annotated[
    Path | None,
    typer.Option(
        help="Keep emulator data and trigger checkpoints here; run again with the same "
        "directory to resume where it stopped (and to survive an emulator crashing)."
    ),
]
DynamoDBPort = Annotated[
    int | None, typer.Option(help="Port for DynamoDB Local (default: a free one).")
]
KinesisPort = Annotated[int | None, typer.Option(help="Port for kinesalite (default: a free one).")]
MotoPort = Annotated[int | None, typer.Option(help="Port for moto's server (default: a free one).")]
Lab2Option = Annotated[
    bool,
    typer.Option(
        "--lab2", help="Start in lab 2: duplicates, out-of-order versions, failures 5/10/10 %."
    ),
]


@local_app.command()
def up(
    stage: StageOption = "fault-tolerant",
    lab2: Lab2Option = False,
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
    participant: ParticipantOption = None,
    data_dir: DataDirOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    keep_running: Annotated[
        bool, typer.Option(help="Leave the emulators up afterwards (and say how to stop them).")
    ] = False,
    dynamodb_port: DynamoDBPort = None,
    kinesis_port: KinesisPort = None,
    moto_port: MotoPort = None,
    inject: Annotated[
        list[str] | None,
        typer.Option(
            "--inject",
            metavar="FAILURE[=N]",
            help="Provoke a failure the workshop's answer does not survive and hardened does "
            "(repeatable): malformed-records[=records per burst, 1], refused-puts[=%, 5], "
            "throttled-map-writes[=%, 10], late-reduce-replay[=%, 20].",
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed for the injected failures' draws (repeatable runs).")
    ] = None,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            help="With --stage lab: the workspace `leda lab start` made (default: lab/).",
        ),
    ] = None,
) -> None:
    """
    Bring a lab stage to life offline, send bursts of trades and check every aggregate.
    """
    out = console(stderr=as_json)
    with _configured():
        cloud_options = CloudOptions(
            data_dir, dynamodb_port, kinesis_port, moto_port, keep_running=keep_running
        )
        faults = FaultPlan.parse(inject or [])
        if workspace is not None and stage != "lab":
            raise typer.BadParameter("--workspace goes with --stage lab", param_hint="--workspace")
        deployment_options = DeploymentOptions(
            stage=stage,
            participant=participant,
            faults=faults,
            fault_seed=seed,
            workspace=workspace.resolve() if workspace else None,
        )
        workshop_options = WorkshopOptions(
            lab2=lab2, bursts=bursts, burst_size=burst_size, interval=interval
        )
        cloud_options.validate()
        deployment_options.validate()
        workshop_options.validate()
    with reported(out), ExitStack() as layers:
        with out.status("starting") as status:
            plan = _checked_plan(deployment_options, data_dir, status.update)
            cloud = layers.enter_context(LocalCloud(cloud_options, progress=status.update))
            deployment = layers.enter_context(
                Deployment(cloud, deployment_options, progress=status.update, plan=plan)
            )
            run = layers.enter_context(WorkshopRun(deployment, workshop_options))
        for name, endpoint in cloud.endpoints.items():
            out.print(f"[dim]{name} endpoint:[/dim] {endpoint}")
        for line in faults.describe():
            out.print(f"[yellow]injected:[/yellow] {line}")
        _print_refusals(deployment, out)
        summaries = _play(run, out, live=not as_json)
        injected = deployment.injected()
        endpoints, stop_command = cloud.endpoints, cloud.stop_command()
        if as_json:  # the live view printed them as they came
            _print_events(cloud, out)
    if as_json:
        print(
            json.dumps(
                {
                    "stage": stage,
                    "lab2": lab2,
                    "injected": {
                        "faults": {fault.value: amount for fault, amount in faults.amounts.items()},
                        **injected,
                    },
                    "bursts": [asdict(s) for s in summaries],
                    "endpoints": endpoints,
                },
                indent=2,
            )
        )
    if keep_running:
        out.print(f"Emulators left running. Stop them with: [bold]{stop_command}[/bold]")


@local_app.command()
def serve(
    stage: StageOption = "fault-tolerant",
    participant: ParticipantOption = None,
    data_dir: DataDirOption = None,
    generator: Annotated[
        bool,
        typer.Option(
            "--generator",
            help="Also run the stack's generator on its schedule (a burst every interval).",
        ),
    ] = False,
    lab2: Lab2Option = False,
    interval: Annotated[
        float | None,
        typer.Option(help="With --generator: seconds between bursts (default: the stack's)."),
    ] = None,
    burst_size: Annotated[
        int,
        typer.Option(help="With --generator: messages per burst (the workshop's 10,000)."),
    ] = 10_000,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print the endpoints and names as one JSON object on one line of stdout.",
        ),
    ] = False,
    dynamodb_port: DynamoDBPort = None,
    kinesis_port: KinesisPort = None,
    moto_port: MotoPort = None,
) -> None:
    """
    Bring one stack up offline and keep it running for your own producer and tools.

    Prints the emulators' endpoints and the stack's physical names (stream, tables, queues,
    schedule group), then runs until Ctrl-C or SIGTERM. Point the AWS CLI or boto3 at the
    endpoints (any credentials; region us-east-1) and put records into the stream: the
    triggers carry them through the pipeline as Lambda would.
    """
    out = console(stderr=True)
    with _configured():
        cloud_options = CloudOptions(data_dir, dynamodb_port, kinesis_port, moto_port)
        deployment_options = DeploymentOptions(stage=stage, participant=participant)
        workshop_options = WorkshopOptions(lab2=lab2, interval=interval, burst_size=burst_size)
        cloud_options.validate()
        deployment_options.validate()
        workshop_options.validate()
    with reported(out, stopping_is_success=True), ExitStack() as layers:
        with out.status("starting") as status:
            plan = _checked_plan(deployment_options, data_dir, status.update)
            cloud = layers.enter_context(LocalCloud(cloud_options, progress=status.update))
            deployment = layers.enter_context(
                Deployment(cloud, deployment_options, progress=status.update, plan=plan)
            )
            run = (
                layers.enter_context(WorkshopRun(deployment, workshop_options))
                if generator or lab2
                else None
            )
        _print_refusals(deployment, out)
        description = describe(cloud, deployment)
        layers.enter_context(registered(description, cloud.endpoints))
        if as_json:
            print(json.dumps(description), flush=True)
        else:
            _print_description(description, Console(soft_wrap=True))
        if run is not None and generator:
            threading.Thread(target=run.run_on_schedule, name="generator", daemon=True).start()
        live = not as_json and sys.stdout.isatty()
        _serve(cloud, deployment, run, out, live)


def _checked_plan(
    options: DeploymentOptions, data_dir: Path | None, progress: Callable[[str], None]
) -> LocalPlan:
    """The stack's plan, and the data directory checked against it, before anything starts."""
    progress(f"reading the {options.stage} stage from the Pulumi program")
    plan = options.plan()
    check_data_dir(data_dir, options.stage, plan.prefix, options.shares_data_dir)
    return plan


def _print_refusals(deployment: Deployment, out: Console) -> None:
    """Triggers Lambda would have refused to create: the stack runs without them."""
    for refusal in deployment.refused_mappings():
        out.print(f"[bold red]Trigger refused:[/bold red] {refusal}", soft_wrap=True)


def describe(cloud: LocalCloud, deployment: Deployment) -> dict[str, Any]:
    """Everything a user needs to point their own tools at a served stack."""
    names = deployment.names()
    return {
        "stage": names.stage,
        "participant": names.prefix,
        "region": LOCAL_REGION,
        "credentials": {
            "aws_access_key_id": LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        },
        "endpoints": {
            service: cloud.endpoint_for(service)
            for service in ("dynamodb", "dynamodbstreams", "kinesis", "sqs", "ses", "scheduler")
        },
        "kinesis_streams": names.kinesis_streams,
        "tables": names.tables,
        "queues": names.queues,
        "schedule_groups": list(names.schedule_groups),
        "functions": list(names.functions),
        "data_dir": str(cloud.options.data_dir) if cloud.options.data_dir else None,
        "pid": os.getpid(),
    }


def _print_description(description: dict[str, Any], out: Console) -> None:
    out.print(
        f"[bold]{description['participant']}[/bold], stage [bold]{description['stage']}[/bold], "
        f"region {description['region']}"
    )
    for service, endpoint in description["endpoints"].items():
        out.print(f"  [dim]{service} endpoint:[/dim] {endpoint}")
    for name, arn in description["kinesis_streams"].items():
        out.print(f"  [dim]Kinesis stream:[/dim] {name}  {arn}")
    for name, stream in description["tables"].items():
        out.print(f"  [dim]table:[/dim] {name}" + (f"  stream {stream}" if stream else ""))
    for name, url in description["queues"].items():
        out.print(f"  [dim]queue:[/dim] {name}  {url}")
    for group in description["schedule_groups"]:
        out.print(f"  [dim]schedule group:[/dim] {group}")
    stream = next(iter(description["kinesis_streams"]), "<stream>")
    out.print(
        "Try: [bold]AWS_ACCESS_KEY_ID=ledalocal AWS_SECRET_ACCESS_KEY=ledalocal aws kinesis "
        f"put-record --endpoint-url {description['endpoints']['kinesis']} --region "
        f"{description['region']} --stream-name {stream} ...[/bold]   Stop with Ctrl-C.",
        soft_wrap=True,
    )


def _serve(
    cloud: LocalCloud,
    deployment: Deployment,
    run: WorkshopRun | None,
    out: Console,
    live: bool,
) -> None:
    """Until a signal: watch the emulators, and show the pipeline's progress on a terminal."""
    aggregates = _aggregate_reader(deployment, run)
    if not live:
        seen = 0
        while True:
            cloud.wait(0.5)
            seen = _print_events(cloud, out, since=seen)
    watch = InfluxMeter()
    seen = 0
    with Live(console=console(), refresh_per_second=2, transient=False) as screen:
        while True:
            cloud.wait(0.5)
            seen = _print_events(cloud, out, since=seen)
            values = aggregates()
            header = f"{deployment.prefix} | stage {deployment.stage} | serving; Ctrl-C stops"
            if run is not None:
                header += f" | bursts {run.current_burst} | score {run.score()}"
            screen.update(live_view(header, deployment.counters(), values, watch.rate(values), []))


def _aggregate_reader(
    deployment: Deployment, run: WorkshopRun | None
) -> Callable[[], dict[str, Decimal]]:
    dynamodb = deployment.cloud.client("dynamodb")
    table = deployment.output("aggregateTableName")
    last: dict[str, Decimal] = {}

    def read() -> dict[str, Decimal]:
        nonlocal last
        # An emulator being started again: show what was read last.
        with contextlib.suppress(BotoCoreError, ClientError):
            last = run.aggregates() if run is not None else read_aggregates(dynamodb, table)
        return last

    return read


def _print_events(cloud: LocalCloud, out: Console, since: int = 0) -> int:
    """What happened to the emulators (gone, started again), one line each."""
    for line in cloud.events[since:]:
        out.print(f"[yellow]{line}[/yellow]", soft_wrap=True)
    return len(cloud.events)


def _play(run: WorkshopRun, out: Console, live: bool) -> list[BurstSummary]:
    if not live:
        return run.play(on_burst=lambda s: None)
    done = threading.Event()
    result: list[BurstSummary] = []
    failure: list[BaseException] = []

    def play() -> None:
        try:
            result.extend(run.play())
        except BaseException as error:
            failure.append(error)
        finally:
            done.set()

    worker = threading.Thread(target=play, name="bursts", daemon=True)
    worker.start()
    deployment = run.deployment
    aggregates = _aggregate_reader(deployment, run)
    influx = InfluxMeter()
    seen = 0

    def frame() -> RenderableType:
        values = aggregates()
        header = (
            f"stage {deployment.stage} | burst {run.current_burst}/"
            f"{run.options.bursts} | score {run.score()}"
        )
        return live_view(header, deployment.counters(), values, influx.rate(values), run.summaries)

    try:
        with Live(console=out, refresh_per_second=2, transient=False) as screen:
            while not done.wait(0.5):
                deployment.cloud.check()
                seen = _print_events(deployment.cloud, out, since=seen)
                screen.update(frame())
            if not failure:
                # The frame left on screen is the finished run, every burst in it: it is the
                # summary (off a terminal, it is the only frame Rich prints).
                screen.update(frame())
        if not out.is_terminal:
            out.line()  # Rich ends its last frame without one off a terminal
    finally:
        run.stop()  # the bursts thread ends with the run, however the view ends
    if failure:
        raise failure[0]
    return result


@contextmanager
def _configured() -> Iterator[None]:
    """Options checked before anything starts: a bad one is one line, exit code 1."""
    try:
        yield
    except USER_ERRORS as error:
        raise fail(error) from None
