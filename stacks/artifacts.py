"""Where the function code comes from: the folders `sam build` writes, one per LogicalId.

One artifact per function serves every stage (the stage is an environment variable). A missing
artifact stops the program with one line saying to run `sam build`, before anything is
declared, rather than deploying a function without its code.
"""

from __future__ import annotations

from pathlib import Path

import pulumi

from stacks.stage_model import FUNCTIONS, FunctionId


class ArtifactsMissing(pulumi.RunError):
    """A function's build folder (or its handler module) is not there: `sam build` first."""


def expected(build_dir: Path) -> dict[FunctionId, Path]:
    """The folder each function's code is taken from, whether or not it exists yet."""
    return {function: build_dir / function.value for function in FunctionId}


def locate(build_dir: Path) -> dict[FunctionId, Path]:
    """The build folders, each checked to hold its handler module."""
    folders = expected(build_dir)
    missing = [
        function.value
        for function in FunctionId
        if not (folders[function] / FUNCTIONS[function].module_file).is_file()
    ]
    if missing:
        raise ArtifactsMissing(
            f"function artifacts not found in {build_dir} (missing: {', '.join(missing)}); "
            "run `sam build` in the project root first"
        )
    return folders
