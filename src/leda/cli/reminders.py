"""`leda local reminders`: the reminders' own test, offline, with a report of every email."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from leda.cli.console import console
from leda.cli.errors import USER_ERRORS, fail, reported
from leda.cloud.local_cloud import LocalCloud
from leda.deployment.deployment import Deployment, DeploymentOptions
from leda.reminders.trial import LATE_TOLERANCE_SECONDS, ReminderReport, run_trial

REMINDER_FUNCTION = "ReminderLambda"
MAX_ITEMS = 1000
MAX_IN_SECONDS = 3600.0


def reminders(
    items: Annotated[
        int, typer.Option(help=f"Appointments to write (PK 1..N, SK StaticSK), 1-{MAX_ITEMS}.")
    ] = 10,
    in_seconds: Annotated[
        float,
        typer.Option(
            "--in",
            help="Seconds from now the appointments are due (1-3600). Below about 5 s the "
            "function schedules them after their time has passed, and they go out at once: late.",
        ),
    ] = 10.0,
    stage: Annotated[
        str, typer.Option(help="The stack's stage (the reminders are the same in every stage).")
    ] = "fault-tolerant",
    participant: Annotated[
        str | None, typer.Option(help="Name prefix of the participant's resources.")
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print one object: emails, schedules_left and dead_letters."),
    ] = False,
) -> None:
    """
    Write appointments due shortly, fire their reminders offline, and report every email.

    Starts DynamoDB Local, kinesalite and moto's server, creates the stack's resources, runs
    ReminderLambda on the appointments table's stream and fires the schedules it makes; stops
    everything afterwards. Exit code 1 unless every appointment got exactly one email, none
    more than 2 s late, with no schedule left and nothing dead-lettered.
    """
    if not 1 <= items <= MAX_ITEMS:
        raise fail(f"--items {items} is out of range; allowed: 1-{MAX_ITEMS}")
    if not 1 <= in_seconds <= MAX_IN_SECONDS:
        raise fail(f"--in {in_seconds:g} is out of range; allowed: 1-{MAX_IN_SECONDS:g} seconds")
    out = console(stderr=as_json)
    options = DeploymentOptions(
        stage=stage, participant=participant, functions=(REMINDER_FUNCTION,)
    )
    try:
        options.validate()
    except USER_ERRORS as error:
        raise fail(error) from None
    with (
        reported(out),
        out.status("starting") as status,
        LocalCloud(progress=status.update) as cloud,
        Deployment(cloud, options, progress=status.update) as deployment,
    ):
        report = run_trial(deployment, items, in_seconds, progress=status.update)
    if as_json:
        print(json.dumps(report.to_json(), indent=2, default=str))
    else:
        render(report, out)
    problems = report.problems
    if problems:
        out.print(f"[bold red]Not exactly once:[/bold red] {'; '.join(problems)}")
        raise typer.Exit(code=1)
    out.print(
        f"[green]{items} appointments, {len(report.emails)} emails, each on time "
        f"(<= {LATE_TOLERANCE_SECONDS:g} s late); no schedule left, dead-letter queues empty"
    )


def _clock(iso: str) -> str:
    """`2026-11-23T06:48:41.193+00:00` -> `06:48:41.193`: the day is in the table's title."""
    return dt.datetime.fromisoformat(iso).strftime("%H:%M:%S.%f")[:12]


def render(report: ReminderReport, out: Console) -> None:
    day = dt.datetime.fromisoformat(report.emails[0].due).date() if report.emails else None
    table = Table(title=f"Emails sent ({day or 'none'}, UTC)", title_justify="left")
    table.add_column("address", no_wrap=True)
    table.add_column("due")
    table.add_column("sent")
    table.add_column("seconds late", justify="right")
    for email in report.emails:
        late = f"{email.seconds_late:.3f}"
        style = "red" if email.seconds_late > LATE_TOLERANCE_SECONDS else ""
        table.add_row(email.address, _clock(email.due), _clock(email.sent), late, style=style)
    out.print(table)
    out.print(f"schedules left: {len(report.schedules_left)}")
    for schedule in report.schedules_left:
        out.print(f"  {schedule['group']}/{schedule['name']} {schedule['expression']}")
    for queue, messages in report.dead_letters.items():
        out.print(f"{queue}: {len(messages)} messages")
        for message in messages:
            out.print(f"  {json.dumps(message, default=str)}", soft_wrap=True)
    for refusal in report.refused:
        out.print(f"[red]refused[/red] {refusal['group']}/{refusal['name']}: {refusal['reason']}")
