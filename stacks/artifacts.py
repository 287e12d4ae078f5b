"""Where the function code comes from: the folders `sam build` writes, one per LogicalId.

One artifact per function serves every stage (environment variables choose its code path). A
missing artifact stops the program with one line saying to run `sam build`, before anything
is declared, rather than deploying a function without its code.
"""

from __future__ import annotations

from pathlib import Path

import pulumi

from stacks.reminders import model as reminder_model
from stacks.stage_model import FUNCTIONS, FunctionId


class ArtifactsMissing(pulumi.RunError):
    """A function's build folder (or its handler module) is not there: `sam build` first."""


def handler_modules() -> dict[str, str]:
    """LogicalId -> the handler module its artifact must hold: the pipeline's four functions,
    then the reminder function."""
    modules = {function.value: FUNCTIONS[function].module_file for function in FunctionId}
    modules[reminder_model.LOGICAL_ID] = reminder_model.FUNCTION.module_file
    return modules


def expected(build_dir: Path) -> dict[str, Path]:
    """The folder each function's code is taken from (by LogicalId), built or not yet."""
    return {logical_id: build_dir / logical_id for logical_id in handler_modules()}


def locate(build_dir: Path) -> dict[str, Path]:
    """The build folders, each checked to hold its handler module."""
    folders = expected(build_dir)
    missing = [
        logical_id
        for logical_id, module in handler_modules().items()
        if not (folders[logical_id] / module).is_file()
    ]
    if missing:
        raise ArtifactsMissing(
            f"function artifacts not found in {build_dir} (missing: {', '.join(missing)}); "
            "run `sam build` in the project root first"
        )
    return folders
