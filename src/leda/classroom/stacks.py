"""One Pulumi stack per participant, behind a small interface.

`StackBackend` is what the class commands need of Pulumi: bring a stack up with its config,
destroy it, read its outputs. `AutomationBackend` is Pulumi's Automation API over this project
(it drives the Pulumi CLI, which must be installed where an instructor runs it); tests use a
recording implementation, so the class logic (parallelism, re-runs, one failure among many) is
tested without a CLI or an account.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from leda.classroom.roster import Participant
from stacks.project import PROJECT_ROOT

DEFAULT_REGION = "us-east-1"
_SELECTING = threading.Lock()


class StackFailure(Exception):
    """A stack's operation failed; the message is the reason, for that participant's row."""


@dataclass(frozen=True)
class StackSpec:
    participant: str
    stack: str  # the Pulumi stack's name
    work_dir: Path  # where Pulumi.yaml is: the program
    config: Mapping[str, str]  # full keys: leda:stage, aws:region, ...
    env: Mapping[str, str] = field(default_factory=dict)  # AWS_PROFILE, for one


def spec_for(participant: Participant, stage: str, sender: str | None) -> StackSpec:
    """The stack of one participant: named after them, their prefix, region and sender."""
    config = {
        "leda:participant": participant.name,
        "leda:stage": stage,
        "aws:region": participant.region or DEFAULT_REGION,
    }
    email = participant.email or sender
    if email:
        config["leda:senderEmail"] = email
    env = {"AWS_PROFILE": participant.profile} if participant.profile else {}
    return StackSpec(participant.name, participant.name, PROJECT_ROOT, config, env)


class StackBackend(Protocol):
    def up(self, spec: StackSpec, progress: Callable[[str], None]) -> str:
        """Create or update the stack; "created" or "updated"."""
        ...

    def destroy(self, spec: StackSpec) -> None: ...

    def outputs(self, spec: StackSpec) -> dict[str, Any]: ...

    def last_update(self, spec: StackSpec) -> str | None:
        """When the stack was last updated (ISO time), None if never."""
        ...


class AutomationBackend:
    """Pulumi's Automation API on this project's program (Pulumi.yaml, stacks/)."""

    def __init__(self) -> None:
        import shutil

        if shutil.which("pulumi") is None:
            raise StackFailure(
                "the Pulumi CLI is not on PATH; the class commands drive it through the "
                "Automation API: install it (https://www.pulumi.com/docs/install/)"
            )

    def _stack(self, spec: StackSpec, create: bool = False) -> Any:
        """The participant's stack; created only by `up`: reading or destroying one that was
        never provisioned must not leave an empty stack behind."""
        from pulumi import automation as auto

        options = auto.LocalWorkspaceOptions(work_dir=str(spec.work_dir), env_vars=dict(spec.env))
        # Selecting a stack writes the project's workspace file: one at a time.
        with _SELECTING:
            if create:
                return auto.create_or_select_stack(
                    stack_name=spec.stack, work_dir=str(spec.work_dir), opts=options
                )
            try:
                return auto.select_stack(
                    stack_name=spec.stack, work_dir=str(spec.work_dir), opts=options
                )
            except auto.errors.StackNotFoundError:
                raise StackFailure(f"no stack {spec.stack!r}: not provisioned") from None

    def up(self, spec: StackSpec, progress: Callable[[str], None]) -> str:
        from pulumi import automation as auto

        try:
            stack = self._stack(spec, create=True)
            existed = bool(stack.history(page_size=1))
            stack.set_all_config(
                {key: auto.ConfigValue(value) for key, value in spec.config.items()}
            )
            stack.up(on_output=lambda line: progress(line.strip()), color="never")
        except auto.errors.CommandError as error:
            raise StackFailure(_last_error(str(error))) from None
        return "updated" if existed else "created"

    def destroy(self, spec: StackSpec) -> None:
        from pulumi import automation as auto

        try:
            stack = self._stack(spec)
            stack.destroy(color="never")
            stack.workspace.remove_stack(spec.stack)
        except auto.errors.CommandError as error:
            raise StackFailure(_last_error(str(error))) from None

    def outputs(self, spec: StackSpec) -> dict[str, Any]:
        from pulumi import automation as auto

        try:
            return {key: value.value for key, value in self._stack(spec).outputs().items()}
        except auto.errors.CommandError as error:
            raise StackFailure(_last_error(str(error))) from None

    def last_update(self, spec: StackSpec) -> str | None:
        from pulumi import automation as auto

        try:
            history = self._stack(spec).history(page_size=1)
        except auto.errors.CommandError as error:
            raise StackFailure(_last_error(str(error))) from None
        return str(history[0].end_time) if history else None


def _last_error(text: str) -> str:
    """The CLI's own `error:` line, if it printed one, else the last non-empty line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.lower().startswith("error:")]
    return (errors or lines or ["failed"])[-1]
