"""`leda class`: an instructor's class: plan, provision, advance, status, destroy, scoreboard."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from leda import stage_report
from leda.classroom import quotas, roster
from leda.classroom.account_quotas import room_left
from leda.classroom.provision import Outcome, destroy, provision
from leda.classroom.scoreboard import Scoreboard, board_table, lab_reached, serve
from leda.classroom.stack_scores import StackScores, stack_score
from leda.classroom.stacks import AutomationBackend, StackBackend, StackFailure, spec_for
from leda.cli.console import console
from leda.cli.errors import fail
from leda.stage_report import StageReportError
from stacks.stage_model import Stage

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
    account: Annotated[
        bool,
        typer.Option(
            "--account",
            help="Read each profile's own quotas and usage (Kinesis shards, Lambda concurrency, "
            "IAM roles) with its credentials, instead of AWS's defaults.",
        ),
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
    out = console()
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
    actual = _account_room(planned, out) if account else None
    result = quotas.plan(planned, needs, actual)
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


def _account_room(
    participants: list[roster.Participant], out: Console
) -> dict[tuple[str, str, quotas.Quota], int]:
    """Each (profile, region)'s room left, read with that profile; defaults where unreadable."""
    import botocore.exceptions

    from leda.aws.target import AwsTarget, TargetError

    found: dict[tuple[str, str, quotas.Quota], int] = {}
    places = sorted({(p.profile, p.region or quotas.DEFAULT_REGION) for p in participants}, key=str)
    for profile, region in places:
        target = AwsTarget(region, profile)
        try:
            room = room_left(target.client)
        except (
            TargetError,
            botocore.exceptions.BotoCoreError,
            botocore.exceptions.ClientError,
        ) as error:
            out.print(
                f"[yellow]profile {profile or 'default'}, {region}: {error}; "
                "AWS defaults used[/yellow]"
            )
            continue
        for quota, value in room.items():
            found[(profile or "default", "" if quota is quotas.Quota.ROLES else region, quota)] = (
                value
            )
    return found


# -- stacks: provision, advance, status, destroy -------------------------------------------------

BACKEND: Callable[[], StackBackend] = AutomationBackend  # tests put a recording one here


def _backend() -> StackBackend:
    try:
        return BACKEND()
    except StackFailure as error:
        raise fail(error) from None


RosterOption = Annotated[Path, typer.Option("--roster", help="The class roster (CSV or YAML).")]
ParallelOption = Annotated[
    int, typer.Option("--parallel", min=1, max=32, help="Stacks worked on at once.")
]
OnlyOption = Annotated[
    str | None, typer.Option("--only", help="Comma-separated names: only these participants.")
]
SenderOption = Annotated[
    str | None,
    typer.Option(help="SES sender for participants whose roster row has no email."),
]


def _participants(roster_file: Path, only: str | None) -> list[roster.Participant]:
    try:
        checked = roster.read(roster_file)
    except roster.RosterError as error:
        raise fail(error) from None
    if checked.problems:
        raise fail(
            f"{roster_file}: "
            + "; ".join(str(problem) for problem in checked.problems)
            + " (`leda class plan` shows them all)"
        )
    chosen = checked.participants
    if only:
        wanted = {name.strip() for name in only.split(",") if name.strip()}
        unknown = sorted(wanted - {p.name for p in chosen})
        if unknown:
            raise fail(f"--only {', '.join(unknown)}: not on the roster {roster_file}")
        chosen = [p for p in chosen if p.name in wanted]
    return chosen


def _run(
    participants: list[roster.Participant],
    stage: str,
    sender: str | None,
    parallel: int,
    title: str,
) -> None:
    try:
        Stage.parse(stage)
    except ValueError as error:
        raise fail(error) from None
    missing = [p.name for p in participants if not (p.email or sender)]
    if missing:
        raise fail(
            f"no sender for {', '.join(missing)}: give each an email in the roster or pass "
            "--sender ADDRESS (a verified SES identity)"
        )
    specs = [spec_for(p, stage, sender) for p in participants]
    out = console()
    backend = _backend()
    with Progress(console=out, transient=True) as bar:
        task = bar.add_task(f"{title} ({parallel} at a time)", total=len(specs))
        outcomes = provision(
            backend,
            specs,
            parallel=parallel,
            progress=lambda who, line: bar.update(task, description=f"{who}: {line[:60]}"),
            on_done=lambda _: bar.advance(task),
        )
    _summary(out, outcomes, title)


def _summary(out: Console, outcomes: list[Outcome], title: str) -> None:
    table = Table(title=title, show_edge=False)
    for column in ("participant", "stack", "result", "seconds", "reason"):
        table.add_column(column)
    for outcome in outcomes:
        colour = "green" if outcome.ok else "red"
        table.add_row(
            outcome.participant,
            outcome.stack,
            f"[{colour}]{outcome.result}[/{colour}]",
            f"{outcome.seconds:g}",
            outcome.reason,
        )
    out.print(table)
    failed = [o for o in outcomes if not o.ok]
    if failed:
        out.print(f"[red]{len(failed)} of {len(outcomes)} failed[/red]")
        raise typer.Exit(code=1)


@class_app.command("provision")
def provision_command(
    roster_file: RosterOption,
    stage: Annotated[str, typer.Option(help="The stage every stack starts in.")] = "broken",
    parallel: ParallelOption = 4,
    sender: SenderOption = None,
) -> None:
    """
    One Pulumi stack per participant (named after them, their prefix, region, profile and
    sender), K at a time. Running it again updates the stacks; nothing is created twice. A
    participant's failure is reported with its reason and the others go on.
    """
    _run(_participants(roster_file, None), stage, sender, parallel, f"provision: {stage}")


@class_app.command("advance")
def advance_command(
    roster_file: RosterOption,
    to: Annotated[str, typer.Option("--to", help="The stage to move the class to.")],
    only: OnlyOption = None,
    parallel: ParallelOption = 4,
    sender: SenderOption = None,
) -> None:
    """Move the class (or --only some of it) to another stage, in place."""
    _run(_participants(roster_file, only), to, sender, parallel, f"advance to {to}")


@class_app.command("destroy")
def destroy_command(
    roster_file: RosterOption,
    only: OnlyOption = None,
    parallel: ParallelOption = 4,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Destroy the participants' stacks (everything they made) and forget them."""
    participants = _participants(roster_file, only)
    names = ", ".join(p.name for p in participants)
    if not yes and not typer.confirm(f"destroy the stacks of {names}?", default=False):
        raise typer.Exit(code=1)
    specs = [spec_for(p, "broken", None) for p in participants]
    outcomes = destroy(_backend(), specs, parallel=parallel)
    _summary(console(), outcomes, "destroy")


@class_app.command("status")
def status_command(roster_file: RosterOption, only: OnlyOption = None) -> None:
    """Each participant's stage, last update, score and the lab they have reached."""
    backend = _backend()
    table = Table(show_edge=False)
    for column in ("participant", "stage", "last update", "score", "lab"):
        table.add_column(column)
    for participant in _participants(roster_file, only):
        spec = spec_for(participant, "broken", None)
        try:
            outputs = backend.outputs(spec)
            updated = backend.last_update(spec) or "never"
        except StackFailure as error:
            table.add_row(participant.name, "-", "-", "-", f"[red]{error}[/red]")
            continue
        score, lab = _score(participant, outputs)
        table.add_row(participant.name, str(outputs.get("stage", "-")), updated, score, lab)
    console().print(table)


def _score(participant: roster.Participant, outputs: dict[str, object]) -> tuple[str, str]:
    try:
        score = stack_score(participant, outputs)
    except Exception as error:  # unreadable: said in the row, the others go on
        return "-", f"score unreadable: {error}"
    return f"{score}", lab_reached(score)


@class_app.command("scoreboard")
def scoreboard_command(
    roster_file: RosterOption,
    serve_port: Annotated[
        int | None,
        typer.Option(
            "--serve", min=1, max=65535, help="Serve a page that updates itself on 127.0.0.1:PORT."
        ),
    ] = None,
) -> None:
    """The class ranked by score, from each participant's ParameterTable (their credentials)."""
    participants = _participants(roster_file, None)
    board = Scoreboard(StackScores(_backend(), participants))
    out = console()
    if serve_port is None:
        out.print(board_table(board.refresh()))
        return
    try:
        served = serve(board, serve_port)
    except OSError as error:
        raise fail(f"--serve {serve_port}: {error.strerror}; choose a free port") from None
    out.print(f"scoreboard on http://127.0.0.1:{serve_port}/ (Ctrl-C stops)")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        out.print("stopped")
    finally:
        served.close()
