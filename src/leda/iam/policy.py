"""Identity-based policies, and the decision IAM makes with them for one request.

The evaluation logic for a principal's identity-based policies within one account (no resource
policies, boundaries or organisation policies are involved in this project): an explicit Deny in
any applicable statement wins; otherwise an applicable Allow allows; otherwise the request is
implicitly denied. A statement applies when its Action (or NotAction), its Resource (or
NotResource) and its Condition all match. Action names are case-insensitive, resources are
not; both take `*` and `?`. Hand-written for the reason given in conditions.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from leda.iam.conditions import Context, conditions_hold, wildcard


class Decision(Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"


@dataclass(frozen=True)
class Request:
    """One authorization question: may the principal do `action` on `resource`?"""

    action: str  # service:Action, e.g. dynamodb:UpdateItem
    resource: str  # an ARN
    context: Mapping[str, Sequence[str]] = field(default_factory=dict)  # condition key -> values

    def lowered_context(self) -> Context:
        return {key.lower(): values for key, values in self.context.items()}


def _listed(raw: object) -> tuple[str, ...]:
    if raw is None:
        return ()
    return tuple(raw) if isinstance(raw, list) else (str(raw),)


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    condition: Mapping[str, Mapping[str, object]] | None = None
    sid: str = ""

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Statement:
        effect = raw.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise ValueError(f"statement Effect must be Allow or Deny, not {effect!r}")
        statement = cls(
            effect=effect,
            actions=_listed(raw.get("Action")),
            not_actions=_listed(raw.get("NotAction")),
            resources=_listed(raw.get("Resource")),
            not_resources=_listed(raw.get("NotResource")),
            condition=raw.get("Condition"),
            sid=str(raw.get("Sid", "")),
        )
        if bool(statement.actions) == bool(statement.not_actions):
            raise ValueError("a statement needs exactly one of Action and NotAction")
        if bool(statement.resources) == bool(statement.not_resources):
            raise ValueError("an identity policy statement needs one of Resource, NotResource")
        return statement

    def applies(self, request: Request, context: Context) -> bool:
        if self.actions:
            if not any(_action_matches(p, request.action) for p in self.actions):
                return False
        elif any(_action_matches(p, request.action) for p in self.not_actions):
            return False
        if self.resources:
            if not any(_resource_matches(p, request.resource) for p in self.resources):
                return False
        elif any(_resource_matches(p, request.resource) for p in self.not_resources):
            return False
        return conditions_hold(self.condition, context)


def _action_matches(pattern: str, action: str) -> bool:
    return wildcard(pattern, case_sensitive=False).match(action) is not None


def _resource_matches(pattern: str, resource: str) -> bool:
    return wildcard(pattern).match(resource) is not None


@dataclass(frozen=True)
class Policy:
    name: str
    statements: tuple[Statement, ...]

    @classmethod
    def parse(cls, name: str, document: str | Mapping[str, Any]) -> Policy:
        raw = json.loads(document) if isinstance(document, str) else document
        statements = raw.get("Statement", [])
        if isinstance(statements, Mapping):
            statements = [statements]
        return cls(name, tuple(Statement.parse(s) for s in statements))


def decide(policies: Iterable[Policy], request: Request) -> Decision:
    """IAM's answer for one request under a principal's identity-based policies."""
    context = request.lowered_context()
    allowed = False
    for policy in policies:
        for statement in policy.statements:
            if statement.applies(request, context):
                if statement.effect == "Deny":
                    return Decision.EXPLICIT_DENY
                allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def granting(policies: Iterable[Policy], request: Request) -> tuple[str, ...]:
    """Which Allow statements (`<policy>#<index>`) let the request through; empty when it is
    denied. With one entry, removing that statement alone would refuse the request."""
    context = request.lowered_context()
    found: list[str] = []
    for policy in policies:
        for index, statement in enumerate(policy.statements):
            if statement.applies(request, context):
                if statement.effect == "Deny":
                    return ()
                found.append(f"{policy.name}#{index}")
    return tuple(found)
