"""`leda reminders put`: write the blog's test appointments to a deployed table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from leda.aws.target import AwsTarget, choose
from leda.cli.console import console
from leda.cli.errors import aws_reported, fail
from leda.reminders.put import SIMULATOR_SUCCESS, put_items
from leda.reminders.trial import TABLE_OUTPUT

MAX_ITEMS = 1000
MAX_IN_SECONDS = 86_400.0

reminders_app = typer.Typer(
    help="The reminders on a deployed stack: write the blog's test items.",
    no_args_is_help=True,
)


@reminders_app.command()
def put(
    items: Annotated[
        int, typer.Option(help=f"Appointments to write (PK 1..N, SK StaticSK), 1-{MAX_ITEMS}.")
    ] = 10,
    in_seconds: Annotated[
        float,
        typer.Option(
            "--in",
            help="Seconds from now the appointments are due (UTC), 1-86400; the blog uses 180.",
        ),
    ] = 180.0,
    email: Annotated[
        str,
        typer.Option(
            help="The address every reminder goes to. The default is SES's mailbox simulator, "
            "which the SES sandbox accepts unverified; a real address must be verified in SES "
            "while the account is in the sandbox.",
        ),
    ] = SIMULATOR_SUCCESS,
    table: Annotated[str | None, typer.Option(help="The appointments table's name.")] = None,
    stack_outputs: Annotated[
        Path | None,
        typer.Option(
            help="The stack's outputs (`pulumi stack output --json > FILE`): the table is "
            "read from appointmentTableName.",
        ),
    ] = None,
    region: Annotated[str | None, typer.Option(help="AWS region (default: the chain's).")] = None,
    profile: Annotated[str | None, typer.Option(help="AWS profile from ~/.aws/config.")] = None,
    endpoint_url: Annotated[
        str | None, typer.Option(help="Send DynamoDB calls here (DynamoDB Local, for example).")
    ] = None,
) -> None:
    """
    Write the reminders blog's test items to a deployed appointments table.

    Each item schedules one reminder email at its time; watch them go out in the SES sending
    statistics and the schedule group's InvocationAttemptCount metric (`leda stage show`
    lists the dashboard).
    """
    if not 1 <= items <= MAX_ITEMS:
        raise fail(f"--items {items} is out of range; allowed: 1-{MAX_ITEMS}")
    if not 1 <= in_seconds <= MAX_IN_SECONDS:
        raise fail(f"--in {in_seconds:g} is out of range; allowed: 1-{MAX_IN_SECONDS:g} seconds")
    out = console()
    with aws_reported(f"writing to {table or 'the appointments table'}"):
        name = choose(table, stack_outputs, TABLE_OUTPUT, "--table")
        dynamodb = AwsTarget(region, profile, endpoint_url).client("dynamodb")
        result = put_items(dynamodb, name, items, in_seconds, email, dt.datetime.now(dt.UTC))
    out.print(
        f"{len(result.written)} appointments written to {result.table}, due "
        f"{result.due:%Y-%m-%dT%H:%M:%S} UTC, reminders to {email}"
    )
