"""template.yaml read the way SAM reads it: CloudFormation tags, Globals merged into functions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SERVERLESS_FUNCTION = "AWS::Serverless::Function"


class _CloudFormationLoader(yaml.SafeLoader):
    """Short-form intrinsics (`!Ref X`, `!Sub ...`) as their long form (`{"Ref": "X"}`)."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node {node!r}")
    return {name: value}


_CloudFormationLoader.add_multi_constructor("!", _intrinsic)


def load(path: Path) -> dict[str, Any]:
    document = yaml.load(path.read_text(), Loader=_CloudFormationLoader)
    assert isinstance(document, dict)
    return document


def _merged(globals_: Mapping[str, Any], own: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's Globals rule for maps: keys merge, the function's own value wins."""
    merged = dict(globals_)
    for key, value in own.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def _variables(properties: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(properties.get("Environment", {}).get("Variables", {}))


def _values(properties: Mapping[str, Any]) -> dict[str, str]:
    variables = properties.get("Environment", {}).get("Variables", {})
    return {name: str(value) for name, value in variables.items()}


@dataclass(frozen=True)
class SamFunction:
    logical_id: str
    handler: str
    runtime: str  # with a parameter reference resolved to the parameter's default
    memory_mb: int
    timeout_seconds: int
    variables: frozenset[str]  # declared by the function itself
    defaults: Mapping[str, str]  # the function's own variables' values in the template
    global_variables: frozenset[str]  # declared for every function in Globals
    code_uri: str
    build_method: str | None

    @property
    def module(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    @property
    def all_variables(self) -> frozenset[str]:
        """What `sam local invoke --env-vars` can set: only variables the template declares."""
        return self.variables | self.global_variables


def _resolve(value: Any, parameters: Mapping[str, Any]) -> Any:
    if isinstance(value, Mapping) and set(value) == {"Ref"} and value["Ref"] in parameters:
        return parameters[value["Ref"]].get("Default")
    return value


def functions(template: Mapping[str, Any]) -> dict[str, SamFunction]:
    """Every AWS::Serverless::Function by LogicalId."""
    globals_ = template.get("Globals", {}).get("Function", {})
    parameters = template.get("Parameters", {})
    found: dict[str, SamFunction] = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != SERVERLESS_FUNCTION:
            continue
        own = resource.get("Properties", {})
        merged = _merged(globals_, own)
        found[logical_id] = SamFunction(
            logical_id=logical_id,
            handler=merged["Handler"],
            runtime=_resolve(merged["Runtime"], parameters),
            memory_mb=int(merged.get("MemorySize", 128)),
            timeout_seconds=int(merged.get("Timeout", 3)),
            variables=_variables(own),
            defaults=_values(own),
            global_variables=_variables(globals_),
            code_uri=merged["CodeUri"],
            build_method=resource.get("Metadata", {}).get("BuildMethod"),
        )
    return found
