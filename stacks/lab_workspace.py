"""A participant's lab workspace, read by the program when `leda:stage` is `lab`.

The workspace (`leda lab start DIR`) holds what the workshop has participants change in the
console and in the code: the StateLambda trigger (lab 1, step 1), ReduceLambda's trigger,
reserved concurrency and policy (lab 1, step 3), and StateLambda's and ReduceLambda's code
(lab 2). Everything else is the handed-out stack (the broken stage). The same files deploy
with `pulumi up` and run offline, because both read them through this module: settings become
a StageModel, the code files go into those two functions' archives over their `sam build`
artifacts.

Problems are reported all at once, each naming the setting, what it holds and what is allowed,
before any resource is declared.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pulumi
import yaml

from stacks.stage_model import (
    MAP_TRIGGER,
    FunctionId,
    Grant,
    Stage,
    StageModel,
    Target,
    TriggerSpec,
    model,
)

SETTINGS_FILE = "lab.yaml"
CODE_DIR = "functions"
# The functions whose code a participant edits, and the modules the workspace gives them.
EDITED_FUNCTIONS = (FunctionId.STATE, FunctionId.REDUCE)

STATE_TRIGGER = "StateLambdaTrigger"
REDUCE_TRIGGER = "ReduceLambdaTrigger"
REDUCE_CONCURRENCY = "ReduceLambdaReservedConcurrency"
REDUCE_POLICY = "ReduceLambdaPolicy"
KEYS = (STATE_TRIGGER, REDUCE_CONCURRENCY, REDUCE_TRIGGER, REDUCE_POLICY)

TRIGGER_KEYS = {
    "source",
    "batchSize",
    "startingPosition",
    "batchingWindowInSeconds",
    "maximumRetryAttempts",
    "bisectBatchOnFunctionError",
}
STARTING_POSITIONS = ("LATEST", "TRIM_HORIZON")
TABLES = {
    "StateTable": Target.STATE_TABLE,
    "ReduceTable": Target.REDUCE_TABLE,
    "AggregateTable": Target.AGGREGATE_TABLE,
    "ParameterTable": Target.PARAMETER_TABLE,
}
# table/<Table>, table/<Table>/stream/*, or the same after arn:aws:dynamodb:<region>:<account>:
RESOURCE = re.compile(
    r"(?:arn:aws:dynamodb:[a-z0-9*-]*:[0-9*]*:)?table/(?P<table>[A-Za-z]+)(?P<stream>/stream/\*)?"
)
RESOURCE_RULE = (
    "table/<Table> or table/<Table>/stream/* (or the same as an ARN, "
    "arn:aws:dynamodb:*:*:table/...), <Table> one of " + ", ".join(TABLES)
)
SID = re.compile(r"[A-Za-z0-9]+")
ACTION = re.compile(r"dynamodb:[A-Za-z]+")


class LabWorkspaceError(pulumi.RunError):
    """The workspace cannot be read; the message names each problem and what is allowed."""


@dataclass(frozen=True)
class LabWorkspace:
    root: Path
    state_trigger: TriggerSpec | None
    reduce_trigger: TriggerSpec | None
    reduce_concurrency: int | None
    reduce_grants: tuple[Grant, ...]

    def model(self) -> StageModel:
        """The handed-out stack with the participant's settings."""
        handed_out = model(Stage.BROKEN)
        triggers = tuple(
            trigger
            for trigger in (self.state_trigger, MAP_TRIGGER, self.reduce_trigger)
            if trigger is not None
        )
        grants = dict(handed_out.grants)
        grants[FunctionId.REDUCE] = self.reduce_grants
        return replace(
            handed_out,
            stage=Stage.LAB,
            triggers=triggers,
            # The console turns the stream on when a trigger is added to read it.
            reduce_table_stream=self.reduce_trigger is not None,
            reserved_concurrency=(
                {FunctionId.REDUCE: self.reduce_concurrency}
                if self.reduce_concurrency is not None
                else {}
            ),
            grants=grants,
        )

    def code_files(self) -> dict[str, Path]:
        """Archive path -> file: the workspace's modules, laid over the functions' artifacts."""
        folder = self.root / CODE_DIR
        return {path.name: path for path in sorted(folder.glob("*.py"))}


def load(root: Path) -> LabWorkspace:
    settings_path = root / SETTINGS_FILE
    if not settings_path.is_file():
        raise LabWorkspaceError(
            f"no lab workspace at {root} ({SETTINGS_FILE} is missing); create one with "
            f"`leda lab start {root}`, or set leda:labWorkspace to its folder"
        )
    try:
        raw = yaml.safe_load(settings_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise LabWorkspaceError(f"{settings_path} is not valid YAML: {error}") from None
    errors: list[str] = []
    if not isinstance(raw, dict):
        raise LabWorkspaceError(f"{settings_path} must be a mapping of {', '.join(KEYS)}")
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        errors.append(f"unknown setting(s) {', '.join(unknown)}; allowed: {', '.join(KEYS)}")
    for module in ("state_lambda.py", "reduce_lambda.py"):
        if not (root / CODE_DIR / module).is_file():
            errors.append(f"{CODE_DIR}/{module} is missing; `leda lab reset` puts it back")

    state = _trigger(raw.get(STATE_TRIGGER), STATE_TRIGGER, FunctionId.STATE, errors)
    reduce = _trigger(raw.get(REDUCE_TRIGGER), REDUCE_TRIGGER, FunctionId.REDUCE, errors)
    concurrency = _concurrency(raw.get(REDUCE_CONCURRENCY), errors)
    grants = _policy(raw.get(REDUCE_POLICY), errors)
    if errors:
        raise LabWorkspaceError(f"lab workspace {settings_path}: " + "; ".join(errors))
    return LabWorkspace(root, state, reduce, concurrency, grants)


# -- settings ------------------------------------------------------------------------------
_SOURCES = {
    FunctionId.STATE: ("IncomingDataStream", Target.INCOMING_STREAM),
    FunctionId.REDUCE: ("ReduceTable", Target.REDUCE_TABLE),
}


def _trigger(value: Any, key: str, function: FunctionId, errors: list[str]) -> TriggerSpec | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        errors.append(f"{key} must be null or a mapping of {', '.join(sorted(TRIGGER_KEYS))}")
        return None
    unknown = sorted(set(value) - TRIGGER_KEYS)
    if unknown:
        allowed = ", ".join(sorted(TRIGGER_KEYS))
        errors.append(f"{key}: unknown key(s) {', '.join(unknown)}; allowed: {allowed}")
    source_name, source = _SOURCES[function]
    if value.get("source") != source_name:
        errors.append(f"{key}.source is {value.get('source')!r}; allowed: {source_name}")
    batch_size = value.get("batchSize", 100)
    if not _whole(batch_size, 1, 10_000):
        errors.append(f"{key}.batchSize is {batch_size!r}; allowed: 1-10000")
        batch_size = 100
    position = value.get("startingPosition", "LATEST")
    if position not in STARTING_POSITIONS:
        errors.append(
            f"{key}.startingPosition is {position!r}; allowed: {' | '.join(STARTING_POSITIONS)}"
        )
    window = value.get("batchingWindowInSeconds", 0)
    retries = value.get("maximumRetryAttempts", -1)
    bisect = value.get("bisectBatchOnFunctionError", False)
    if not _whole(window, 0, 300):
        errors.append(f"{key}.batchingWindowInSeconds is {window!r}; allowed: 0-300")
        window = 0
    if not _whole(retries, -1, 10_000):
        errors.append(
            f"{key}.maximumRetryAttempts is {retries!r}; allowed: -1 (until the records expire) "
            "to 10000"
        )
        retries = -1
    if not isinstance(bisect, bool):
        errors.append(f"{key}.bisectBatchOnFunctionError is {bisect!r}; allowed: true | false")
        bisect = False
    return TriggerSpec(
        function=function,
        source=source,
        batch_size=batch_size,
        starting_position=str(position),
        batching_window_seconds=window,
        maximum_retry_attempts=retries,
        bisect_on_error=bisect,
    )


def _concurrency(value: Any, errors: list[str]) -> int | None:
    if value is None:
        return None
    if not _whole(value, 0, 1000):
        errors.append(f"{REDUCE_CONCURRENCY} is {value!r}; allowed: null or 0-1000")
        return None
    return int(value)


def _policy(value: Any, errors: list[str]) -> tuple[Grant, ...]:
    if not isinstance(value, list):
        errors.append(
            f"{REDUCE_POLICY} must be a list of statements (Sid, Effect, Action, Resource)"
        )
        return ()
    grants: list[Grant] = []
    for number, statement in enumerate(value, 1):
        where = f"{REDUCE_POLICY} statement {number}"
        if not isinstance(statement, dict):
            errors.append(f"{where} must be a mapping of Sid, Effect, Action, Resource")
            continue
        sid = str(statement.get("Sid") or f"Statement{number}")
        if not SID.fullmatch(sid):
            errors.append(f"{where}: Sid {sid!r}; allowed: letters and digits")
        if statement.get("Effect", "Allow") != "Allow":
            errors.append(f"{where}: Effect {statement.get('Effect')!r}; allowed: Allow")
        actions = _strings(statement.get("Action"))
        bad = [action for action in actions if not ACTION.fullmatch(action)]
        if not actions or bad:
            errors.append(
                f"{where}: Action {bad or actions!r}; allowed: one or more dynamodb:<Action>"
            )
            continue
        resources = _strings(statement.get("Resource"))
        for index, resource in enumerate(resources):
            match = RESOURCE.fullmatch(resource)
            target = TABLES.get(match["table"]) if match else None
            if match is None or target is None:
                errors.append(f"{where}: Resource {resource!r}; allowed: {RESOURCE_RULE}")
                continue
            grants.append(
                Grant(
                    sid + (str(index + 1) if len(resources) > 1 else ""),
                    tuple(actions),
                    target,
                    on_stream=bool(match["stream"]),
                )
            )
        if not resources:
            errors.append(f"{where}: no Resource; allowed: {RESOURCE_RULE}")
    return tuple(grants)


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence) and all(isinstance(item, str) for item in value):
        return list(value)
    return []
