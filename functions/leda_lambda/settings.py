"""Reading a function's environment, failing with a message that names the variable."""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

Choice = TypeVar("Choice", bound=StrEnum)


class SettingsError(ValueError):
    pass


def required(name: str, environ: Mapping[str, str] = os.environ) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise SettingsError(f"environment variable {name} is not set")
    return value


def optional(name: str, environ: Mapping[str, str] = os.environ) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def integer(name: str, default: int, environ: Mapping[str, str] = os.environ) -> int:
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise SettingsError(f"environment variable {name}={text!r} is not an integer") from None


def number(name: str, default: float, environ: Mapping[str, str] = os.environ) -> float:
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        return float(text)
    except ValueError:
        raise SettingsError(f"environment variable {name}={text!r} is not a number") from None


def choice(name: str, choices: type[Choice], environ: Mapping[str, str] = os.environ) -> Choice:
    """One of `choices`' values, required: a code-path switch has no default, so a function
    never takes a path nobody chose."""
    allowed = " | ".join(member.value for member in choices)
    text = environ.get(name, "").strip()
    if not text:
        raise SettingsError(f"environment variable {name} is not set; allowed: {allowed}")
    try:
        return choices(text)
    except ValueError:
        raise SettingsError(
            f"environment variable {name}={text!r} is not allowed; allowed: {allowed}"
        ) from None
