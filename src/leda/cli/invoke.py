"""`leda local invoke`: what `sam local invoke` does, without Docker.

The function's built artifact (or functions/ when there is no build) runs in a worker process of
its own with exactly its declared environment, calling as its role (IAM enforced, unless
--no-iam), against the emulators of a running `leda local serve` for the same stack, or against
emulators started for this one call and stopped after. The output reads like SAM's: the
function's log lines between START and END, a REPORT line, then the return value on stdout.
"""

from __future__ import annotations

import json
from contextlib import ExitStack, nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from leda.cli.errors import fail, reported
from leda.cli.serve_registry import find_serve
from leda.cloud.local_cloud import CloudOptions, LocalCloud
from leda.deployment.deployment import Deployment, DeploymentOptions, read_stage_plan
from leda.workers.spec import InvocationResult


def invoke(
    function: Annotated[
        str,
        typer.Argument(help="The function's SAM LogicalId, e.g. StateLambda or ReminderLambda."),
    ],
    event: Annotated[
        Path, typer.Option("--event", "-e", help="The event, a JSON file (as for sam local).")
    ],
    stage: Annotated[
        str,
        typer.Option(
            help="broken | wired | fault-tolerant | hardened: the stack the function is from "
            "(hardened by default, the code paths events/env.json sets)."
        ),
    ] = "hardened",
    participant: Annotated[
        str | None, typer.Option(help="Name prefix of the stack (default: leda-dev).")
    ] = None,
    env_vars: Annotated[
        Path | None,
        typer.Option(
            "--env-vars",
            "-n",
            help="SAM's env-vars file: values for the variables the function declares "
            "(`Parameters` for all, the LogicalId's own section for it); others are ignored.",
        ),
    ] = None,
    no_iam: Annotated[
        bool, typer.Option("--no-iam", help="Allow every call (IAM checks off).")
    ] = False,
) -> None:
    """
    Invoke one function offline, as `sam local invoke` does, with its role's permissions.
    """
    err = Console(stderr=True, soft_wrap=True)
    payload = _read_json(event, "--event")
    overrides_file = _read_json(env_vars, "--env-vars") if env_vars else {}
    options = DeploymentOptions(
        stage=stage,
        participant=participant,
        functions=(function,),
        enforce_iam=not no_iam,
        triggers=False,
    )
    with reported(err), ExitStack() as layers:
        options.validate()
        plan = read_stage_plan(stage, participant)
        declared = {f.logical_id: f for f in plan.functions}
        if function not in declared:
            raise fail(
                f"the stack declares no function {function}; allowed: {', '.join(sorted(declared))}"
            )
        serving = find_serve(plan.prefix, stage)
        if serving is not None:
            err.print(f"[dim]using leda local serve (pid {serving.pid}) for {plan.prefix}[/dim]")
        with err.status("starting emulators") if serving is None else nullcontext():
            cloud = layers.enter_context(
                LocalCloud(CloudOptions(attach=serving.endpoints if serving else None))
            )
            deployment = layers.enter_context(Deployment(cloud, options, plan=plan))
        variables, ignored = _overrides(overrides_file, function, declared[function].environment)
        if ignored:
            err.print(
                f"[dim]not declared by {function}, ignored: {', '.join(sorted(ignored))}[/dim]"
            )
        if variables:
            deployment.configure(function, variables)
        if no_iam:
            err.print("[yellow]IAM checks are off (--no-iam): every call is allowed[/yellow]")
        log = deployment.folder / "logs" / f"{deployment.function(function).name}.log"
        offset = log.stat().st_size if log.exists() else 0
        result = deployment.invoke(function, payload)
        lines = log.read_text(encoding="utf-8", errors="replace")[offset:] if log.exists() else ""
    _report(err, result, lines, declared[function].memory_mb)
    if not result.ok:
        print(json.dumps({"errorType": result.error_type, "errorMessage": result.error_message}))
        raise typer.Exit(code=1)
    print(json.dumps(result.payload))


def _read_json(path: Path | None, option: str) -> Any:
    assert path is not None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise fail(f"{option} {path}: {error.strerror or error}") from None
    except ValueError as error:
        raise fail(f"{option} {path} is not JSON: {error}") from None


def _overrides(file: Any, function: str, declared: Any) -> tuple[dict[str, str], set[str]]:
    """SAM's rule: `Parameters` for every function, then the function's own section, and only
    for variables the function declares (the rest are dropped)."""
    if not isinstance(file, dict):
        raise fail("--env-vars must hold a JSON object of sections")
    wanted: dict[str, str] = {}
    for section in ("Parameters", function):
        values = file.get(section) or {}
        if not isinstance(values, dict):
            raise fail(f"--env-vars section {section!r} must be an object of variables")
        wanted.update({str(k): str(v) for k, v in values.items()})
    kept = {k: v for k, v in wanted.items() if k in declared}
    return kept, set(wanted) - set(kept)


def _report(err: Console, result: InvocationResult, lines: str, memory_mb: int) -> None:
    request = result.request_id or "-"
    err.print(f"START RequestId: {request} Version: $LATEST", highlight=False)
    if lines:
        err.out(lines.rstrip("\n"), highlight=False)
    err.print(f"END RequestId: {request}", highlight=False)
    milliseconds = result.duration * 1000
    err.print(
        f"REPORT RequestId: {request}\tDuration: {milliseconds:.2f} ms\t"
        f"Billed Duration: {max(1, round(milliseconds + 0.5))} ms\tMemory Size: {memory_mb} MB",
        highlight=False,
    )
