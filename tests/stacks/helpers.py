"""Reading a mock run the way the tests ask about it: by function, by short name, by policy."""

from __future__ import annotations

import json
from typing import Any

from stacks.mocks.run import DeclaredResource, StackRun

STAGES = ("broken", "wired", "fault-tolerant", "hardened")
FUNCTIONS = ("GeneratorLambda", "StateLambda", "MapLambda", "ReduceLambda")  # the pipeline's
REMINDER = "ReminderLambda"
ESM = "aws:lambda/eventSourceMapping:EventSourceMapping"
FUNCTION = "aws:lambda/function:Function"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TABLE = "aws:dynamodb/table:Table"


def short(run: StackRun, name: str) -> DeclaredResource:
    """The resource whose logical name is `<prefix>-<name>`."""
    assert run.config is not None
    return run.named(f"{run.config.name_prefix}-{name}")


def function(run: StackRun, name: str) -> DeclaredResource:
    return short(run, name)


def environment(run: StackRun, name: str) -> dict[str, str]:
    return dict(function(run, name).inputs["environment"]["variables"])


def triggers(run: StackRun) -> dict[str, DeclaredResource]:
    """Event source mappings by the short name of the function they invoke."""
    by_function_name = {f.inputs["name"]: f for f in run.of_type(FUNCTION)}
    found: dict[str, DeclaredResource] = {}
    assert run.config is not None
    for mapping in run.of_type(ESM):
        target = by_function_name[mapping.inputs["functionName"]]
        found[target.name.removeprefix(run.config.name_prefix + "-")] = mapping
    return found


def role_statements(run: StackRun, role_name: str) -> list[dict[str, Any]]:
    """The statements of the one inline policy of the role with this physical name."""
    policies = [p for p in run.of_type(ROLE_POLICY) if p.inputs["role"] == role_name]
    assert len(policies) == 1, f"{role_name}: expected one inline policy, found {len(policies)}"
    return list(json.loads(policies[0].inputs["policy"])["Statement"])


def statements(run: StackRun, name: str) -> list[dict[str, Any]]:
    """The statements of the policy attached to the role of function `name`."""
    return role_statements(run, function(run, name).inputs["role"].rsplit("/", 1)[-1])


def as_list(value: Any) -> list[str]:
    return list(value) if isinstance(value, list) else [value]


def grants(run: StackRun, name: str) -> dict[str, set[str]]:
    """action -> the resources it is allowed on, from every statement of the function's policy."""
    granted: dict[str, set[str]] = {}
    for statement in statements(run, name):
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            granted.setdefault(action, set()).update(as_list(statement["Resource"]))
    return granted


def arns(run: StackRun) -> dict[str, str]:
    """Short name -> ARN of every resource with an ARN (tables' streams as `<name> stream`)."""
    assert run.config is not None
    lead = run.config.name_prefix + "-"
    found: dict[str, str] = {}
    for resource in run.resources:
        name = resource.name.removeprefix(lead)
        if resource.arn:
            found[name] = resource.arn
        if resource.outputs.get("streamArn"):
            found[name + " stream"] = resource.outputs["streamArn"]
    return found
