"""How every `leda` command reports a problem the user can fix: one line, exit code 1.

The layers (LocalCloud, Deployment, WorkshopRun) stop what they started on any way out; this
module only decides what the user sees: a problem they can fix is one line and exit code 1,
Ctrl-C or SIGTERM a short note and the signal's exit code (or 0 where stopping is the normal
end, as for `leda local serve`), anything else keeps its traceback.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from leda.cloud.local_cloud import (
    CloudFailure,
    Stopped,
    clear_stop_signal,
    stop_signal_received,
)
from leda.cloud.process import EmulatorError
from leda.deployment.deployment import DeploymentError
from leda.deployment.plan import PlanError
from leda.faults.plan import FaultError
from leda.workshop.run import WorkshopError

# Errors that say what is wrong and what to do: shown as they are, without a traceback.
USER_ERRORS = (
    EmulatorError,
    CloudFailure,
    DeploymentError,
    PlanError,
    WorkshopError,
    FaultError,
)


def fail(error: object) -> typer.Exit:
    Console(stderr=True).print(f"[bold red]Error:[/bold red] {error}", soft_wrap=True)
    return typer.Exit(code=1)


@contextmanager
def reported(out: Console, stopping_is_success: bool = False) -> Iterator[None]:
    """Around a command's work: user errors as one line, signals as a clean stop.

    A stop signal that arrived is reported as the stop whatever it turned into on its way out
    (another library's error, or nothing at all), so Ctrl-C always ends with its exit code.
    """
    clear_stop_signal()  # a stop recorded by an earlier command of this process is not ours
    try:
        yield
    except USER_ERRORS as error:
        if (name := stop_signal_received()) is not None:
            raise _stopped(out, name, stopping_is_success) from None
        raise fail(error) from None
    except (KeyboardInterrupt, Stopped) as stop:
        name = stop.signal_name if isinstance(stop, Stopped) else "SIGINT"
        raise _stopped(out, name, stopping_is_success) from None
    except Exception:
        if (name := stop_signal_received()) is None:
            raise
        raise _stopped(out, name, stopping_is_success) from None
    if (name := stop_signal_received()) is not None:
        raise _stopped(out, name, stopping_is_success)


def _stopped(out: Console, name: str, stopping_is_success: bool) -> typer.Exit:
    out.print(f"stopped ({name}); every process started was stopped")
    return typer.Exit(code=0 if stopping_is_success else 128 + signal.Signals[name].value)


NO_CREDENTIALS = (
    "no AWS credentials: set AWS_PROFILE or pass --profile, or export AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY"
)


@contextmanager
def aws_reported(what: str) -> Iterator[None]:
    """Around a command's calls to a deployed stack: each way they fail as one line, saying
    `what` was being done (no credentials, a refusal, an endpoint that does not answer)."""
    import botocore.exceptions

    from leda.aws.target import TargetError

    try:
        yield
    except TargetError as error:
        raise fail(error) from None
    except botocore.exceptions.NoCredentialsError:
        raise fail(NO_CREDENTIALS) from None
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
        raise fail(f"{what}: {error}") from None
