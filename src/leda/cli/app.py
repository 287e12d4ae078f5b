"""The `leda` command line: lab stages (`leda stage show|diff`), the offline runtime (`leda local`).

Commands hand over to plain functions; a problem the user can fix is one line on stderr and
exit code 1, never a traceback.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Annotated

import typer

from leda import stage_report
from leda.cli.bench import bench
from leda.cli.classroom import class_app
from leda.cli.console import console
from leda.cli.errors import fail
from leda.cli.lab import lab_app
from leda.cli.local import local_app
from leda.cli.local_class import local_class
from leda.cli.redrive import redrive_command
from leda.cli.reminders_put import reminders_app
from leda.cli.watch import watch
from leda.stage_report import StageReportError

app = typer.Typer(rich_markup_mode="rich", no_args_is_help=True)
stage_app = typer.Typer(
    rich_markup_mode="rich",
    no_args_is_help=True,
    help=(
        "The lab stages: [blue]broken[/blue] (handed out), [blue]wired[/blue] (after lab 1), "
        "[blue]fault-tolerant[/blue] (after lab 2), [blue]hardened[/blue] (lab 3, beyond the "
        "workshop)."
    ),
)
app.add_typer(stage_app, name="stage")
app.add_typer(local_app, name="local")
local_app.command(name="class")(local_class)
app.add_typer(lab_app, name="lab")
app.add_typer(reminders_app, name="reminders")
app.add_typer(class_app, name="class")
app.command(name="bench")(bench)
app.command(name="redrive")(redrive_command)
app.command(name="watch")(watch)

ParticipantOption = Annotated[
    str | None,
    typer.Option(
        help="Name prefix of the participant's resources (default: [blue]leda-dev[/blue]).",
    ),
]


def _version(value: bool) -> None:
    if value:
        print(f"leda {version('leda')}")
        raise typer.Exit()


@app.callback()
def callback(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print Leda's version and exit."
        ),
    ] = False,
) -> None:
    """
    Leda - the AWS [bold]LEDA[/bold] DynamoDB workshop as infrastructure as code.

    `stage`, `local`, `lab` and `bench` need no AWS account and no Pulumi CLI (the program runs
    under its mocks, the cloud is local); `reminders`, `redrive` and `watch` act on a deployed
    stack.
    """


@stage_app.command()
def show(
    stage: Annotated[str, typer.Argument(help="broken | wired | fault-tolerant | hardened")],
    participant: ParticipantOption = None,
) -> None:
    """
    List the resources a stage deploys, with their settings and permissions.
    """
    try:
        view = stage_report.describe(stage, participant=participant)
    except StageReportError as error:
        raise fail(error) from None
    stage_report.render_show(view, console())


@stage_app.command(
    help=(
        "Show what changes from one stage to another: resources added or removed, settings and "
        "permissions changed, and whether anything would be [bold red]replaced[/bold red]."
    )
)
def diff(
    before: Annotated[str, typer.Argument(help="The stage moved from.")],
    after: Annotated[str, typer.Argument(help="The stage moved to.")],
    participant: ParticipantOption = None,
) -> None:
    try:
        result = stage_report.diff(before, after, participant=participant)
    except StageReportError as error:
        raise fail(error) from None
    stage_report.render_diff(result, console())


@stage_app.command()
def diagram(
    stage: Annotated[str, typer.Argument(help="broken | wired | fault-tolerant | hardened")],
    part: Annotated[str, typer.Option(help="pipeline | reminders")] = "pipeline",
    participant: ParticipantOption = None,
) -> None:
    """
    Print a stage's data flow as a Mermaid flowchart, drawn from what the program declares.
    """
    from leda.stage_diagram import mermaid

    try:
        view = stage_report.describe(stage, participant=participant)
    except StageReportError as error:
        raise fail(error) from None
    try:
        print(mermaid(view, part=part), end="")
    except ValueError as error:
        raise fail(f"--{error}") from None


def main() -> None:
    app()
