"""Invoking a handler the way Lambda does: a fresh copy of the event and a context object."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from tests.support.context import FakeLambdaContext

Handler = Callable[[dict[str, Any], Any], Any]


def invoke(handler: Handler, event: dict[str, Any]) -> Any:
    return handler(copy.deepcopy(event), FakeLambdaContext())


def invoke_until_success(handler: Handler, event: dict[str, Any], attempts: int = 200) -> Any:
    """A stream trigger's retry: the same batch again until the function succeeds."""
    for _ in range(attempts):
        try:
            return invoke(handler, event)
        except Exception as error:
            last = error
    raise AssertionError(f"batch still failing after {attempts} attempts: {last!r}")
