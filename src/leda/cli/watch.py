"""`leda watch`: the workshop's optional frontend, on a terminal, over a deployed AggregateTable."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.text import Text

from leda.aws.target import AwsTarget, choose
from leda.cli.console import console
from leda.cli.errors import aws_reported
from leda.cli.live_view import InfluxMeter, aggregates_table
from leda.workshop.tables import read_aggregates

TABLE_OUTPUT = "aggregateTableName"
REFRESH_SECONDS = 0.5  # twice a second, as the workshop's frontend


def frame(table: str, values: dict[str, Decimal], influx: float | None) -> RenderableType:
    clock = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return Group(Text(f"{clock}  {table}", style="bold"), aggregates_table(values, influx))


def watch(
    table: Annotated[str | None, typer.Option(help="The AggregateTable's name.")] = None,
    stack_outputs: Annotated[
        Path | None,
        typer.Option(
            help="The stack's outputs (`pulumi stack output --json > FILE`): the table is "
            "read from aggregateTableName.",
        ),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Print one frame and exit (for scripts).")
    ] = False,
    region: Annotated[str | None, typer.Option(help="AWS region (default: the chain's).")] = None,
    profile: Annotated[str | None, typer.Option(help="AWS profile from ~/.aws/config.")] = None,
    endpoint_url: Annotated[
        str | None,
        typer.Option(
            help="Read DynamoDB here instead: the endpoint `leda local serve` prints, for one."
        ),
    ] = None,
) -> None:
    """
    Watch the aggregates as the workshop's frontend shows them, refreshed twice a second.

    Time, total messages, the influx per second and every aggregate indented by its depth in
    the hierarchy. Ctrl-C exits.
    """
    out = console()
    try:
        with aws_reported(f"reading {table or 'the AggregateTable'}"):
            name = choose(table, stack_outputs, TABLE_OUTPUT, "--table")
            dynamodb = AwsTarget(region, profile, endpoint_url).client("dynamodb")
            _watch(out, dynamodb, name, once)
    except KeyboardInterrupt:
        out.print("stopped")


def _watch(out: Console, dynamodb: Any, name: str, once: bool) -> None:
    influx = InfluxMeter()
    first = read_aggregates(dynamodb, name)
    if once:
        out.print(frame(name, first, None))
        return
    console(stderr=True).print(f"watching {name} (Ctrl-C stops)")
    with Live(frame(name, first, influx.rate(first)), console=out, auto_refresh=False) as live:
        while True:
            time.sleep(REFRESH_SECONDS)
            values = read_aggregates(dynamodb, name)
            live.update(frame(name, values, influx.rate(values)), refresh=True)
