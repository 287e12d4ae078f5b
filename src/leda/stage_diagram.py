"""A stage's data flow as a Mermaid flowchart, drawn from what the Pulumi program declares.

The arrows are read off the same `StageView` that `leda stage show` prints: a trigger (event
source mapping) is an arrow from its stream to its function, its on-failure destination a dashed
arrow onwards; a role's write permissions (UpdateItem, PutRecords, SendMessage, ...) are arrows
from whoever holds the role to what it may write; a schedule rule is an arrow to its target. So
the guide's diagrams change when the program does, and a stage without a trigger shows the gap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from leda.stage_report import ResourceView, StageView

# What counts as "writes to": data-plane calls that change the target or hand it something.
WRITE_ACTIONS = frozenset(
    {
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:PartiQLInsert",
        "dynamodb:PartiQLUpdate",
        "dynamodb:PartiQLDelete",
        "kinesis:PutRecord",
        "kinesis:PutRecords",
        "sqs:SendMessage",
        "ses:SendEmail",
        "scheduler:CreateSchedule",
        "scheduler:UpdateSchedule",
        "scheduler:DeleteSchedule",
        "lambda:InvokeFunction",
    }
)
SHAPES = {
    "kinesis.Stream": "[[{}]]",
    "dynamodb.Table": "[({})]",
    "sqs.Queue": ">{}]",
    "lambda.Function": "({})",
    "cloudwatch.EventRule": "{{{{{}}}}}",
    "scheduler.ScheduleGroup": "{{{{{}}}}}",
}


@dataclass(frozen=True, order=True)
class Arrow:
    source: str
    target: str
    label: str
    dashed: bool = False


def _target_name(resource: str) -> str:
    """`StateTable/stream/*` -> StateTable; a schedule or SES ARN -> what it stands for."""
    resource = resource.split(" if ", 1)[0].strip()
    if resource.startswith("arn:aws:scheduler:"):
        return "schedules"
    if resource.startswith("arn:aws:ses:"):
        return "SES"
    return re.split(r"[/:]", resource, maxsplit=1)[0]


def _holders(resources: Mapping[str, ResourceView]) -> dict[str, str]:
    """Role -> who acts with it: the function that runs with it, or "schedules" for a role a
    function may pass to EventBridge Scheduler (a role nobody uses stands for itself)."""
    holders = {}
    for r in resources.values():
        passed = r.settings.get("allow iam:PassRole", "") if r.kind == "iam.RolePolicy" else ""
        for grant in filter(None, passed.split(", ")):
            role, _, condition = grant.partition(" if ")
            if "scheduler.amazonaws.com" in condition:
                holders[role] = "schedules"
    for r in resources.values():
        if r.kind == "lambda.Function" and "role" in r.settings:
            holders[r.settings["role"]] = r.name
    return holders


def arrows(view: StageView) -> list[Arrow]:
    found: set[Arrow] = set()
    holders = _holders(view.resources)
    for resource in view.resources.values():
        settings = resource.settings
        if resource.kind == "lambda.EventSourceMapping":
            source = settings["eventSourceArn"].removesuffix(" stream")
            function = settings["functionName"]
            found.add(Arrow(source, function, f"trigger, batch {settings.get('batchSize', '?')}"))
            on_failure = settings.get("destinationConfig.onFailure.destinationArn")
            if on_failure:
                found.add(Arrow(function, on_failure, "on failure", dashed=True))
        elif resource.kind == "iam.RolePolicy":
            holder = holders.get(settings.get("role", ""), settings.get("role", resource.name))
            by_target: dict[str, list[str]] = {}
            for key, targets in settings.items():
                action = key.removeprefix("allow ")
                if key.startswith("allow ") and action in WRITE_ACTIONS:
                    for target in targets.split(", "):
                        by_target.setdefault(_target_name(target), []).append(action.split(":")[1])
            for target, actions in by_target.items():
                found.add(Arrow(holder, target, ", ".join(sorted(set(actions)))))
        elif resource.kind == "cloudwatch.EventTarget":
            found.add(Arrow(settings["rule"], settings["arn"], "invokes"))
    # A trigger's on-failure destination is written with its function's role: one arrow, dashed.
    dashed = {(a.source, a.target) for a in found if a.dashed}
    return sorted(a for a in found if a.dashed or (a.source, a.target) not in dashed)


def _connected(edges: Iterable[Arrow], seed: str) -> set[str]:
    reached, frontier = {seed}, [seed]
    edges = list(edges)
    while frontier:
        node = frontier.pop()
        for arrow in edges:
            for a, b in ((arrow.source, arrow.target), (arrow.target, arrow.source)):
                if a == node and b not in reached:
                    reached.add(b)
                    frontier.append(b)
    return reached


REMINDERS_SEED = "AppointmentTable"
PARTS = ("pipeline", "reminders")


def mermaid(view: StageView, part: str = "pipeline") -> str:
    """The flowchart of the reminders (everything connected to AppointmentTable) or of the
    pipeline (everything else, so that a stage's missing trigger shows as a gap)."""
    if part not in PARTS:
        raise ValueError(f"part {part!r}: choose {' or '.join(PARTS)}")
    edges = arrows(view)
    reminders = _connected(edges, REMINDERS_SEED)
    everything = {a.source for a in edges} | {a.target for a in edges}
    # Every function, table and stream is drawn, an unconnected one too: that is the gap.
    drawn_kinds = ("lambda.Function", "dynamodb.Table", "kinesis.Stream")
    everything |= {r.name for r in view.resources.values() if r.kind in drawn_kinds}
    nodes = reminders if part == "reminders" else everything - reminders
    lines = ["flowchart LR", f"  %% stage {view.stage}, drawn from the Pulumi program"]
    for node in sorted(nodes):
        resource = view.resources.get(node)
        shape = SHAPES.get(resource.kind, "[{}]") if resource else "[{}]"
        lines.append(f"  {_node_id(node)}{shape.format(node)}")
    for arrow in edges:
        if arrow.source in nodes:
            link = f"-. {arrow.label} .->" if arrow.dashed else f"-- {arrow.label} -->"
            lines.append(f"  {_node_id(arrow.source)} {link} {_node_id(arrow.target)}")
    return "\n".join(lines) + "\n"


def _node_id(name: str) -> str:
    return re.sub(r"\W", "_", name)
