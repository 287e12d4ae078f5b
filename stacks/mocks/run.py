"""Run the program under Pulumi's mocks and return what it declared: no CLI, no cloud.

This is the program's second interpreter: tests, `leda stage show|diff` and the offline runtime
read the stack through it. Each run happens in a fresh `contextvars.Context`, where Pulumi keeps
its settings, config and root resource, so any number of runs (different stages, participants,
configs) can follow one another in one process without leaking state.

Values are normalised so callers need not know the mocks' quirks: whole numbers come back as
`int` (the mocks return floats), and a code archive as `{"fileArchive": "<path>"}` or, file by
file, `{"assetArchive": {"<name>": {"fileAsset": "<path>"}}}`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import pulumi

from stacks import program
from stacks.config import REGION, SENDER_EMAIL, STAGE, LedaConfig
from stacks.mocks.cloud import MockCloud

PROJECT = "leda"
DEFAULT_STACK = "dev"
DEFAULT_REGION = "us-east-1"
# RFC 2606 reserves example.com: a placeholder no mail can be sent from by mistake.
DEFAULT_SENDER = "reminders@example.com"
# Runs a program under the mocks and waits for every output (untyped in the SDK).
_run_to_completion = cast("Callable[[Callable[[], Any]], Callable[[], None]]", pulumi.runtime.test)


@dataclass(frozen=True)
class DeclaredResource:
    type: str  # e.g. "aws:dynamodb/table:Table"
    name: str  # the logical name (the physical one too, for this program)
    inputs: Mapping[str, Any]  # camelCase keys, as the provider receives them
    outputs: Mapping[str, Any]  # what the mock cloud computed: id, arn, streamArn, url, ...
    custom: bool = True  # False for component resources

    @property
    def arn(self) -> str | None:
        value = self.outputs.get("arn")
        return str(value) if value else None


@dataclass(frozen=True)
class StackRun:
    resources: tuple[DeclaredResource, ...]
    outputs: Mapping[str, Any] = field(default_factory=dict)  # the stack's exports
    config: LedaConfig | None = None  # None when validation failed
    error: BaseException | None = None

    def of_type(self, typ: str) -> list[DeclaredResource]:
        return [resource for resource in self.resources if resource.type == typ]

    def named(self, name: str) -> DeclaredResource:
        for resource in self.resources:
            if resource.name == name:
                return resource
        raise KeyError(f"no resource named {name!r}")

    @property
    def short_names(self) -> dict[str, str]:
        """Logical name -> the name without the participant's prefix (`StateTable`)."""
        lead = f"{self.config.name_prefix}-" if self.config else ""
        return {
            r.name: r.name[len(lead) :] if lead and r.name.startswith(lead) else r.name
            for r in self.resources
        }


def normalise(value: Any) -> Any:
    """Mock values in plain, comparable form (see the module docstring)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, pulumi.FileArchive):
        return {"fileArchive": str(value.path)}
    if isinstance(value, pulumi.FileAsset):
        return {"fileAsset": str(value.path)}
    if isinstance(value, pulumi.AssetArchive):
        return {"assetArchive": {name: normalise(item) for name, item in value.assets.items()}}
    if isinstance(value, pulumi.Asset | pulumi.Archive):
        return {"asset": type(value).__name__}
    if isinstance(value, Mapping):
        return {str(key): normalise(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(item) for item in value]
    return value


def stage_config(
    stage: str,
    *,
    participant: str | None = None,
    region: str = DEFAULT_REGION,
    extra: Mapping[str, str] | None = None,
    sender_email: str | None = DEFAULT_SENDER,
) -> dict[str, str]:
    """A typical stack config for a stage (full keys, as `Pulumi.<stack>.yaml` holds them).

    `sender_email=None` leaves the required sender out (to see the config error); `extra`
    overrides anything, the sender included.
    """
    values = {STAGE: stage, REGION: region}
    if sender_email is not None:
        values[SENDER_EMAIL] = sender_email
    if participant is not None:
        values["leda:participant"] = participant
    values.update(extra or {})
    return values


def record(
    config: Mapping[str, str],
    *,
    stack: str = DEFAULT_STACK,
    require_artifacts: bool = True,
) -> StackRun:
    """Run the program; a failure is returned in `error` with whatever was declared before it."""
    declared: list[DeclaredResource] = []
    exported: dict[str, Any] = {}
    settings: list[LedaConfig] = []

    def keep(
        typ: str, name: str, inputs: dict[str, Any], computed: dict[str, Any], custom: bool
    ) -> None:
        declared.append(DeclaredResource(typ, name, normalise(inputs), normalise(computed), custom))

    def body() -> pulumi.Output[Any]:
        result = program.main(values=config, require_artifacts=require_artifacts)
        settings.append(result.config)
        return pulumi.Output.all(**result.outputs).apply(exported.update)

    def in_fresh_context() -> None:
        pulumi.runtime.set_all_config(dict(config))
        mocks = MockCloud(config.get(REGION) or DEFAULT_REGION, keep)
        pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False)
        _run_to_completion(body)()

    error: BaseException | None = None
    try:
        contextvars.Context().run(in_fresh_context)
    except Exception as failure:  # the program's own error, reported to the caller
        error = failure
    return StackRun(
        resources=tuple(sorted(declared, key=lambda r: (r.name, r.type))),
        outputs=normalise(exported),
        config=settings[0] if settings else None,
        error=error,
    )


def run(
    config: Mapping[str, str],
    *,
    stack: str = DEFAULT_STACK,
    require_artifacts: bool = True,
) -> StackRun:
    """Run the program and return what it declared; its error (e.g. bad config) is raised."""
    result = record(config, stack=stack, require_artifacts=require_artifacts)
    if result.error is not None:
        raise result.error
    return result
