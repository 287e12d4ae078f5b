"""What a lab stage deploys, and what changes between two stages: the labs' answer key.

Both views come from running the Pulumi program under its mocks (`stacks.mocks.run`), so they
show exactly what `pulumi up` would declare. Names are shown without the participant's prefix
and ARNs as the name of the resource they point at (`StateTable stream`), so a stage reads like
the workshop's console steps.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from stacks.project import PROJECT_ROOT

if TYPE_CHECKING:
    from stacks.mocks.run import StackRun

# Order in which kinds of resources are listed: data first, then code, then wiring.
KIND_ORDER = (
    "kinesis.Stream",
    "dynamodb.Table",
    "sqs.Queue",
    "cloudwatch.LogGroup",
    "iam.Role",
    "iam.RolePolicy",
    "lambda.Function",
    "lambda.EventSourceMapping",
    "cloudwatch.EventRule",
    "cloudwatch.EventTarget",
    "lambda.Permission",
    "cloudwatch.MetricAlarm",
    "cloudwatch.Dashboard",
)
HIDDEN_SETTINGS = ("name", "tags")


class StageReportError(Exception):
    """A problem the user can fix (unknown stage, bad participant, no project): one line."""


@dataclass(frozen=True)
class ResourceView:
    name: str  # the logical name without the participant's prefix
    kind: str  # e.g. "dynamodb.Table"
    settings: Mapping[str, str]
    replace_on: tuple[str, ...] = ()  # settings whose change replaces the resource


@dataclass(frozen=True)
class StageView:
    stage: str
    prefix: str
    resources: Mapping[str, ResourceView]


@dataclass(frozen=True)
class SettingChange:
    key: str
    before: str | None  # None: the setting is new
    after: str | None  # None: the setting is gone


@dataclass(frozen=True)
class ResourceChange:
    name: str
    kind: str
    changes: tuple[SettingChange, ...]
    replaced: bool


@dataclass(frozen=True)
class StageDiff:
    before: str
    after: str
    added: tuple[ResourceView, ...] = ()
    removed: tuple[ResourceView, ...] = ()
    changed: tuple[ResourceChange, ...] = ()

    @property
    def replaced(self) -> list[str]:
        return [change.name for change in self.changed if change.replaced]


# --- running the program ------------------------------------------------------------------------


def run_stage(stage: str, *, participant: str | None = None) -> StackRun:
    """The program's declarations for a stage, without artifacts, account or Pulumi CLI."""
    import pulumi

    from stacks.mocks import run as mock_run
    from stacks.stage_model import Stage

    try:
        Stage.parse(stage)
    except ValueError as error:
        raise StageReportError(str(error)) from None
    result = mock_run.record(
        mock_run.stage_config(stage, participant=participant), require_artifacts=False
    )
    if isinstance(result.error, pulumi.RunError):  # bad config: the user's to fix
        raise StageReportError(str(result.error)) from None
    if result.error is not None:
        raise result.error
    return result


# --- turning declarations into readable settings -------------------------------------------------


def _kind(typ: str) -> str:
    """`aws:dynamodb/table:Table` -> `dynamodb.Table`."""
    _, module, name = typ.split(":", 2)
    return f"{module.split('/')[0]}.{name}"


class _Labels:
    """Physical names, ARNs and URLs -> the short name of the resource they identify."""

    def __init__(self, run: StackRun) -> None:
        self._exact: dict[str, str] = {}
        short = run.short_names
        for resource in run.resources:
            label = short[resource.name]
            name = resource.inputs.get("name")
            if isinstance(name, str):
                self._exact[name] = label
            for key, suffix in (("arn", ""), ("url", ""), ("streamArn", " stream")):
                value = resource.outputs.get(key)
                if isinstance(value, str) and value:
                    self._exact[value] = label + suffix
        # Longest first, so a table's stream ARN wins over the table's ARN.
        self._prefixes = sorted(self._exact, key=len, reverse=True)
        self.root = str(PROJECT_ROOT) + "/"

    def __call__(self, text: str) -> str:
        if text in self._exact:
            return self._exact[text]
        for known in self._prefixes:
            if known.startswith(("arn:", "https:")) and text.startswith(known):
                return self._exact[known] + text[len(known) :]
        return text.removeprefix(self.root)


def _scalar(value: Any, label: _Labels) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return label(value)
    return str(value)


def _flatten(value: Any, path: str, label: _Labels, out: dict[str, str]) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        if set(value) == {"fileArchive"}:
            out[path] = label(str(value["fileArchive"]))
            return
        for key in sorted(value):
            _flatten(value[key], f"{path}.{key}" if path else str(key), label, out)
    elif isinstance(value, list):
        if all(not isinstance(item, Mapping | list) for item in value):
            out[path] = ", ".join(_scalar(item, label) for item in value)
        else:
            for index, item in enumerate(value):
                _flatten(item, f"{path}[{index}]", label, out)
    else:
        out[path] = _scalar(value, label)


def _as_list(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


def _condition(statement: Mapping[str, Any], label: _Labels) -> str:
    """` if ses:FromAddress StringEquals a@example.com`: a grant's limits are part of it."""
    parts = [
        f"{key} {operator} {' | '.join(label(v) for v in _as_list(value))}"
        for operator, tests in sorted((statement.get("Condition") or {}).items())
        for key, value in sorted(tests.items())
    ]
    return f" if {' and '.join(parts)}" if parts else ""


def _permissions(policy_json: str, label: _Labels) -> dict[str, str]:
    """`allow <action>` -> the resources it is allowed on (several statements merged)."""
    granted: dict[str, set[str]] = {}
    for statement in json.loads(policy_json).get("Statement", []):
        effect = str(statement.get("Effect", "Allow")).lower()
        condition = _condition(statement, label)
        for action in _as_list(statement.get("Action", [])):
            resources = granted.setdefault(f"{effect} {action}", set())
            resources.update(
                label(resource) + condition for resource in _as_list(statement.get("Resource"))
            )
    return {key: ", ".join(sorted(resources)) for key, resources in sorted(granted.items())}


def _settings(inputs: Mapping[str, Any], label: _Labels) -> dict[str, str]:
    settings: dict[str, str] = {}
    for key in sorted(inputs):
        value = inputs[key]
        if key in HIDDEN_SETTINGS:
            continue
        if key == "policy" and isinstance(value, str):
            settings.update(_permissions(value, label))
        elif key == "assumeRolePolicy" and isinstance(value, str):
            principals = [
                str(statement.get("Principal", {}).get("Service", "?"))
                + _condition(statement, label)
                for statement in json.loads(value).get("Statement", [])
            ]
            settings["assumed by"] = ", ".join(principals)
        elif key == "dashboardBody" and isinstance(value, str):
            # One line per graph (its title and statistic), not the JSON: a changed graph then
            # shows as one line in `leda stage diff`.
            for widget in json.loads(value).get("widgets", []):
                properties = widget.get("properties", {})
                metric = properties.get("metrics", [[]])[0]
                of = label(str(metric[3])) if len(metric) > 3 else ""
                settings[f"graph {properties.get('title')}"] = (
                    f"{' '.join(str(part) for part in metric[:2])} {of} ({properties.get('stat')})"
                )
        else:
            _flatten(value, key, label, settings)
    return settings


def view(run: StackRun) -> StageView:
    """The readable form of one run of the program."""
    from stacks.mocks.stateful import REPLACE_ON

    if run.config is None:
        raise StageReportError(f"the program failed: {run.error}")
    label = _Labels(run)
    short = run.short_names
    resources = {
        short[r.name]: ResourceView(
            name=short[r.name],
            kind=_kind(r.type),
            settings=_settings(r.inputs, label),
            replace_on=REPLACE_ON.get(r.type, ()),
        )
        for r in run.resources
        if r.custom
    }
    return StageView(run.config.stage.value, run.config.name_prefix, resources)


def describe(stage: str, *, participant: str | None = None) -> StageView:
    return view(run_stage(stage, participant=participant))


def _sort_key(resource: ResourceView) -> tuple[int, str]:
    order = KIND_ORDER.index(resource.kind) if resource.kind in KIND_ORDER else len(KIND_ORDER)
    return order, resource.name


def compare(before: StageView, after: StageView) -> StageDiff:
    """Resources added and removed, and every setting (permissions included) that changes."""
    added = [after.resources[n] for n in after.resources.keys() - before.resources.keys()]
    removed = [before.resources[n] for n in before.resources.keys() - after.resources.keys()]
    changed: list[ResourceChange] = []
    for name in before.resources.keys() & after.resources.keys():
        old, new = before.resources[name], after.resources[name]
        keys = sorted(old.settings.keys() | new.settings.keys())
        changes = tuple(
            SettingChange(key, old.settings.get(key), new.settings.get(key))
            for key in keys
            if old.settings.get(key) != new.settings.get(key)
        )
        if changes:
            replaced = any(change.key in new.replace_on for change in changes)
            changed.append(ResourceChange(name, new.kind, changes, replaced))
    order = {r.name: _sort_key(r) for r in (*before.resources.values(), *after.resources.values())}
    return StageDiff(
        before=before.stage,
        after=after.stage,
        added=tuple(sorted(added, key=_sort_key)),
        removed=tuple(sorted(removed, key=_sort_key)),
        changed=tuple(sorted(changed, key=lambda change: order[change.name])),
    )


def diff(before: str, after: str, *, participant: str | None = None) -> StageDiff:
    return compare(
        describe(before, participant=participant), describe(after, participant=participant)
    )


# --- rendering ----------------------------------------------------------------------------------
# Plain indented lines (no tables): they stay readable in a narrow terminal and diff well.

INDENT = "    "


def _print(console: Console, *parts: str | tuple[str, str]) -> None:
    console.print(Text.assemble(*parts), soft_wrap=True, highlight=False)


def render_show(stage: StageView, console: Console) -> None:
    resources = sorted(stage.resources.values(), key=_sort_key)
    _print(
        console,
        (f"Stage {stage.stage}", "bold"),
        f": {len(resources)} resources, names prefixed {stage.prefix}-",
    )
    for resource in resources:
        _print(console)
        _print(console, (resource.name, "bold"), "  ", (resource.kind, "dim"))
        for key, value in resource.settings.items():
            _print(console, INDENT, (key, "cyan"), f": {value}")


def _summary(result: StageDiff) -> str:
    replaced = ", ".join(result.replaced) or "none"
    return (
        f"{result.before} -> {result.after}: {len(result.added)} added, "
        f"{len(result.removed)} removed, {len(result.changed)} changed; "
        f"replaced: {replaced}"
    )


def render_diff(result: StageDiff, console: Console) -> None:
    _print(console, (_summary(result), "bold"))
    for resource in result.added:
        _print(console)
        _print(console, ("+ ", "green"), (resource.name, "bold"), "  ", (resource.kind, "dim"))
        for key, value in resource.settings.items():
            _print(console, INDENT, (key, "cyan"), f": {value}")
    for resource in result.removed:
        _print(console)
        _print(console, ("- ", "red"), (resource.name, "bold"), "  ", (resource.kind, "dim"))
    for change in result.changed:
        how = ("  REPLACED", "bold red") if change.replaced else ("  in place", "dim")
        _print(console)
        _print(console, ("~ ", "yellow"), (change.name, "bold"), "  ", (change.kind, "dim"), how)
        for setting in change.changes:
            _print(console, INDENT, *_change_line(setting))


def _change_line(change: SettingChange) -> list[str | tuple[str, str]]:
    if change.before is None:
        return [("+ ", "green"), (change.key, "cyan"), f": {change.after}"]
    if change.after is None:
        return [("- ", "red"), (change.key, "cyan"), f": {change.before}"]
    return [(change.key, "cyan"), f": {change.before} -> {change.after}"]
