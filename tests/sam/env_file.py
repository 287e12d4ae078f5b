"""events/env.json: the values `sam local invoke --env-vars` gives each function."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

ALL_FUNCTIONS = "Parameters"  # the env-vars file's section that applies to every function
CONTAINER_HOST = "host.docker.internal"

EnvFile = dict[str, dict[str, str]]


def load(path: Path) -> EnvFile:
    document = json.loads(path.read_text())
    assert isinstance(document, dict)
    return {section: dict(values) for section, values in document.items()}


def for_function(env_file: EnvFile, logical_id: str) -> dict[str, str]:
    """What SAM resolves for one function: the shared section, then the function's own."""
    return {**env_file.get(ALL_FUNCTIONS, {}), **env_file.get(logical_id, {})}


def with_overrides(values: Mapping[str, str], overrides: Mapping[str, str]) -> dict[str, str]:
    """Replace only the variables the function already has (the tests' own resources)."""
    return {name: overrides.get(name, value) for name, value in values.items()}
