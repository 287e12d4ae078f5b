"""The Makefile `sam build` runs needs a Python 3 with pip, not a `python3.11` on PATH: with only
a `python3` to be found it builds the same artifact."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FUNCTIONS = Path(__file__).parents[2] / "functions"
TOOLS = ("make", "sh", "cp", "mkdir", "find", "rm")


@pytest.mark.timeout(300)
def test_builds_with_only_python3_on_path(tmp_path: Path) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, f"{tool} is needed to build"
        (tools / tool).symlink_to(found)
    (tools / "python3").symlink_to(sys.executable)  # no python3.11 anywhere on PATH
    work = tmp_path / "functions"
    shutil.copytree(FUNCTIONS, work, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "artifact"
    env = {**os.environ, "PATH": str(tools)}
    env.pop("PYTHON", None)
    process = subprocess.run(
        ["make", "build-StateLambda", f"ARTIFACTS_DIR={out}"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert process.returncode == 0, process.stderr[-2000:]
    assert (out / "state_lambda.py").is_file()
    assert (out / "leda_pipeline").is_dir()
    assert (out / "aws_lambda_powertools").is_dir()
    assert not list(out.rglob("*.pyc"))
