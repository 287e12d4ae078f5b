"""The rules the Pulumi CLI applies to Pulumi.yaml and Pulumi.<stack>.yaml before a program runs.

There is no Pulumi CLI on the machines this project is tested on, and the program under mocks
never sees these rules (the CLI refuses a stack before the language host starts), so they are
reproduced here from Pulumi's project-file reference ("config" in Pulumi.yaml, added in 3.44)
and its workspace code (`Project.Validate`, `ValidateConfigValue`, `mergeConfig`): a stack the
CLI would refuse is caught by a test that reads the shipped files. The messages are the CLI's.

- A project key is "namespaced by the project" when it has no `:` or starts with `<project>:`.
  Such a key may declare `type` (string, integer, boolean, array with `items`, object), a
  `default` (which must be of that type), `description` and `secret`. A key of another
  namespace (`aws:region`) may only give a `value`; `type` or `default` there is an error.
- Short form `key: 20` means `default: 20` for a project key and `value:` for another.
- A project key with neither `default` nor `value` must be set by every stack, or the stack
  is refused: "Stack 'dev' is missing configuration value 'participant'".
- A stack's value of a typed key must be of the type (integers and booleans may be written as
  text that parses: YAML values arrive as text), and a `secret` key's value must be encrypted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

TYPES = ("string", "integer", "boolean", "array", "object")
_INTEGER = re.compile(r"[+-]?[0-9]+")


def _namespaced_by_project(project: str, key: str) -> bool:
    return ":" not in key or key.startswith(project + ":")


def _declarations(project: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each config declaration in long form (the CLI's RewriteShorthandConfigValues)."""
    name = str(project["name"])
    found: dict[str, dict[str, Any]] = {}
    for key, declared in (project.get("config") or {}).items():
        if isinstance(declared, dict):
            found[key] = dict(declared)
        else:
            short = "default" if _namespaced_by_project(name, key) else "value"
            found[key] = {short: declared}
    return found


def _type_name(declared: Mapping[str, Any]) -> str:
    items = declared.get("items")
    if items is not None:
        return f"array<{_type_name(items)}>"
    return str(declared.get("type"))


def value_fits(type_name: str, items: Mapping[str, Any] | None, value: Any) -> bool:
    """The CLI's ValidateConfigValue."""
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return True
        if isinstance(value, float):
            return math.trunc(value) == value
        # Go's strconv.Atoi: an optional sign and decimal digits, nothing else.
        return isinstance(value, str) and _INTEGER.fullmatch(value) is not None
    if type_name == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if type_name == "object":
        return isinstance(value, dict)
    if not isinstance(value, list) or items is None:
        return False
    return all(value_fits(str(items.get("type")), items.get("items"), item) for item in value)


def project_errors(project: Mapping[str, Any]) -> list[str]:
    """What `Project.Validate` refuses in Pulumi.yaml's config block."""
    name = str(project.get("name") or "")
    if not name:
        return ["project is missing a 'name' attribute"]
    errors: list[str] = []
    for key, declared in sorted(_declarations(project).items()):
        if "default" in declared and "value" in declared:
            errors.append(
                f"project config '{key}' cannot have both a 'default' and 'value' attribute"
            )
            continue
        typed = declared.get("type") is not None
        if _namespaced_by_project(name, key):
            if typed and declared["type"] not in TYPES:
                errors.append(f"#/config/{key}/type: value must be one of {', '.join(TYPES)}")
            elif typed and declared["type"] == "array" and declared.get("items") is None:
                errors.append(
                    f"The configuration key '{key}' declares an array but does not specify the "
                    "underlying type via the 'items' attribute"
                )
            elif (
                typed
                and declared.get("default") is not None
                and not value_fits(declared["type"], declared.get("items"), declared["default"])
            ):
                errors.append(
                    f"The default value specified for configuration key '{key}' is not of the "
                    f"expected type '{_type_name(declared)}'"
                )
        elif typed:
            errors.append(
                f"Configuration key '{key}' is not namespaced by the project and should not "
                "define a type"
            )
        elif "default" in declared:
            errors.append(
                f"Configuration key '{key}' is not namespaced by the project and should not "
                "define a default value. Did you mean to use the 'value' attribute instead of "
                "'default'?"
            )
        elif declared.get("value") is None:
            errors.append(
                f"Configuration key '{key}' is namespaced and must provide an attribute 'value'"
            )
    return errors


def _full_key(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _missing(stack: str, keys: list[str]) -> str:
    if len(keys) == 1:
        return f"Stack '{stack}' is missing configuration value '{keys[0]}'"
    quoted = [f"'{key}'" for key in sorted(keys)]
    return (
        f"Stack '{stack}' is missing configuration values {', '.join(quoted[:-1])} and {quoted[-1]}"
    )


def stack_errors(project: Mapping[str, Any], stack: str, config: Mapping[str, Any]) -> list[str]:
    """What the CLI's mergeConfig refuses for stack `stack` whose file sets `config`.

    The CLI reports the missing keys first, as one error, and stops there; then the first value
    of the wrong type. Both are returned here (missing first) so one test run shows all.
    """
    name = str(project["name"])
    declarations = _declarations(project)
    missing = [
        key
        for key, declared in sorted(declarations.items())
        if _full_key(name, key) not in config
        and declared.get("default") is None
        and declared.get("value") is None
        and _full_key(name, key).split(":", 1)[0] == name
    ]
    errors = [_missing(stack, missing)] if missing else []
    for key, declared in sorted(declarations.items()):
        full = _full_key(name, key)
        if declared.get("type") is None or full not in config:
            continue
        value = config[full]
        secure = isinstance(value, dict) and "secure" in value
        if declared.get("secret") and not secure:
            errors.append(
                f"Stack '{stack}' with configuration key '{key}' must be encrypted as it's secret"
            )
        elif not secure and not value_fits(declared["type"], declared.get("items"), _text(value)):
            errors.append(
                f"Stack '{stack}' with configuration key '{key}' must be of type "
                f"'{_type_name(declared)}'"
            )
    return errors


def _text(value: Any) -> Any:
    """A stack file's scalar as the CLI holds it: text (`20` -> "20", `true` -> "true")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def read_project(root: Path) -> dict[str, Any]:
    return dict(yaml.safe_load((root / "Pulumi.yaml").read_text()))


def shipped_stacks(root: Path) -> dict[str, dict[str, Any]]:
    """Stack name -> the `config:` block of each Pulumi.<stack>.yaml next to Pulumi.yaml."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(root.glob("Pulumi.*.yaml")):
        stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        found[stack] = dict((yaml.safe_load(path.read_text()) or {}).get("config") or {})
    return found


def merged(project: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, str]:
    """The values the program reads: the stack's, then the project's defaults and values, as
    text (how `pulumi.Config` hands them over)."""
    name = str(project["name"])
    values = {key: str(_text(value)) for key, value in config.items()}
    for key, declared in _declarations(project).items():
        full = _full_key(name, key)
        given = declared.get("default", declared.get("value"))
        if full not in values and given is not None:
            values[full] = str(_text(given))
    return values
