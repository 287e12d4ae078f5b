"""`leda lab`: a participant's workspace, its checks, the answers and a way back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from leda.cli.console import console
from leda.cli.errors import fail, reported
from leda.lab import workspace
from leda.lab.check import FAIL, PASS, CheckOptions, StepResult, run_check
from leda.lab.steps import STEPS, UnknownStep, step

lab_app = typer.Typer(
    rich_markup_mode="rich",
    no_args_is_help=True,
    help=(
        "The hands-on labs: make each fix yourself in a workspace, and let Leda check it by "
        "what the pipeline does. Steps: " + ", ".join(s.id for s in STEPS) + "."
    ),
)
WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help=(
            "The workspace folder (made by `leda lab start`). Default: the folder you are in or "
            "the nearest one above it that is a workspace, else ./lab."
        ),
        show_default=False,
    ),
]
STEP_HELP = " | ".join(s.id for s in STEPS)


@lab_app.command()
def start(
    folder: Annotated[
        Path, typer.Argument(help="A new (or empty) folder.")
    ] = workspace.DEFAULT_FOLDER,
) -> None:
    """
    Make a workspace: the stack's settings and the two functions' code, as handed out.
    """
    try:
        made = workspace.start(folder)
    except workspace.WorkspaceError as error:
        raise fail(error) from None
    out = console()
    for path in made:
        out.print(f"  {path}")
    out.print(
        f"Workspace ready in [bold]{folder}[/bold]. Start with lab 1, step 1 in "
        f"{folder / 'lab.yaml'}, then run [bold]leda lab check lab1-step1 -w {folder}[/bold]."
    )


def _workspace(named: Path | None) -> Path:
    return workspace.locate(Path.cwd()) if named is None else named


def _steps(values: list[str] | None) -> tuple[str, ...]:
    try:
        return tuple(step(value).id for value in values or ())
    except UnknownStep as error:
        raise fail(error) from None


@lab_app.command()
def check(
    steps: Annotated[
        list[str] | None, typer.Argument(help=f"Steps to check (default: all): {STEP_HELP}.")
    ] = None,
    folder: WorkspaceOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """
    Run the workspace offline (IAM enforced, the workshop's game in small bursts) and say
    which steps work. Exit code 0 only when every checked step passes.
    """
    options = CheckOptions(workspace=_workspace(folder).resolve(), steps=_steps(steps))
    out = console(stderr=as_json)
    with reported(out), out.status("starting") as status:
        try:
            results = run_check(options, progress=status.update)
        except workspace.WorkspaceError as error:
            raise fail(error) from None
    if as_json:
        print(json.dumps([result.to_dict() for result in results], indent=2))
    else:
        for result in results:
            _print(out, result)
    if not all(result.passed for result in results):
        raise typer.Exit(code=1)


def _print(out: Console, result: StepResult) -> None:
    mark = {PASS: "[green]pass[/green]", FAIL: "[red]fail[/red]"}.get(
        result.status, "[yellow]not checked[/yellow]"
    )
    out.print(f"{mark}  [bold]{result.title}[/bold] ({result.step})")
    for line in result.seen:
        out.print(f"      {line}", soft_wrap=True)
    for line in result.problems:
        out.print(f"   [red]x[/red]  {line}", soft_wrap=True)
    if result.problems and step(result.step).regions:
        out.print(f"      revisit {result.step}; `leda lab solution {result.step}` shows an answer")


@lab_app.command()
def solution(
    step_id: Annotated[str, typer.Argument(metavar="STEP", help=STEP_HELP)],
    folder: WorkspaceOption = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Write the answer into the workspace too.")
    ] = False,
) -> None:
    """
    Print a step's answer as a diff against the workspace.
    """
    chosen = step(_steps([step_id])[0])
    try:
        folder = _workspace(folder)
        diff = workspace.solution_diff(folder, chosen)
        if apply:
            workspace.apply_solution(folder, chosen)
    except workspace.WorkspaceError as error:
        raise fail(error) from None
    if not chosen.regions:
        console().print(f"{chosen.id} has nothing to edit: it checks what earlier steps did.")
    elif not diff:
        console().print(f"{chosen.id}: the workspace holds the answer already.")
    else:
        print(diff, end="")


@lab_app.command()
def reset(
    step_id: Annotated[str, typer.Argument(metavar="STEP", help=STEP_HELP)],
    folder: WorkspaceOption = None,
) -> None:
    """
    Put a step back as handed out; your other edits stay.
    """
    chosen = step(_steps([step_id])[0])
    try:
        changed = workspace.reset(_workspace(folder), chosen)
    except workspace.WorkspaceError as error:
        raise fail(error) from None
    names = ", ".join(str(path) for path in changed) or "nothing (already as handed out)"
    console().print(f"{chosen.id} reset: {names}")
