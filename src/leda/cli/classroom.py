"""`leda class`: an instructor's class of participants (today: `plan`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from leda import stage_report
from leda.classroom import quotas, roster
from leda.cli.errors import fail
from leda.stage_report import StageReportError

class_app = typer.Typer(
    no_args_is_help=True,
    help="An instructor's class: one stack per participant, checked against the account first.",
)


@class_app.command("plan")
def plan_command(
    roster_file: Annotated[
        Path,
        typer.Option(
            "--roster",
            help="CSV with a header line (name, profile, region, email) or a YAML list.",
        ),
    ],
    stage: Annotated[
        str, typer.Option(help="broken | wired | fault-tolerant | hardened | lab")
    ] = "broken",
    force: Annotated[
        bool, typer.Option("--force", help="Exit 0 even if the class does not fit the quotas.")
    ] = False,
) -> None:
    """
    Check a roster and what the class needs of the account, before anything is created.

    Each problem of the roster is printed with its line. Then each participant's stack (as the
    program declares it for the stage) and the class's total against every quota that applies:
    Kinesis shards, reserved Lambda concurrency (leaving 100 unreserved), DynamoDB tables,
    IAM roles and Scheduler schedule groups, at AWS's documented defaults. Exit code 1 if the
    roster has problems, or the class does not fit and --force is not given.
    """
    out = Console()
    try:
        checked = roster.read(roster_file)
        run = stage_report.run_stage(stage)
    except (roster.RosterError, StageReportError) as error:
        raise fail(error) from None
    for problem in checked.problems:
        out.print(f"[red]{roster_file}: {problem}[/red]", soft_wrap=True)
    needs = quotas.needs_of(run.resources)
    each = ", ".join(
        f"{amount} {quota.value.split(' per ')[0]}" for quota, amount in needs.amounts.items()
    )
    out.print(f"each participant ({stage}): {each}", soft_wrap=True)
    bad_lines = {problem.line for problem in checked.problems}
    planned = [p for p in checked.participants if p.line not in bad_lines]
    result = quotas.plan(planned, needs)
    table = Table(title=f"{len(planned)} participants without problems", show_edge=False)
    for column in ("quota", "where", "participants", "needed", "allowed", "source", "fits"):
        table.add_column(
            column, justify="right" if column in ("participants", "needed", "allowed") else "left"
        )
    for line in result.lines:
        table.add_row(
            line.quota.value,
            line.where,
            str(line.participants),
            str(line.needed),
            str(line.allowed),
            line.source,
            "[green]yes[/green]" if line.fits else "[red]no[/red]",
        )
    out.print(table)
    if checked.problems:
        raise typer.Exit(code=1)
    if not result.fits:
        short = [
            f"{line.quota.value} in {line.where}: {line.needed} > {line.allowed}"
            for line in result.lines
            if not line.fits
        ]
        message = "the class does not fit: " + "; ".join(short)
        if not force:
            out.print(f"[bold red]{message}[/bold red] (--force to go on)", soft_wrap=True)
            raise typer.Exit(code=1)
        out.print(f"[yellow]{message}; going on (--force)[/yellow]", soft_wrap=True)
