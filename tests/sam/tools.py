"""Running the SAM toolchain from the project's virtualenv, writing nothing to the home folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.sam.project import ROOT, TEMPLATE

BIN = Path(sys.executable).parent
SAM = BIN / "sam"
CFN_LINT = BIN / "cfn-lint"
TIMEOUT_SECONDS = 240


def sam_environment(scratch: Path) -> dict[str, str]:
    """No telemetry, and SAM's own settings and pip's cache kept under `scratch`."""
    return {
        **os.environ,
        "SAM_CLI_TELEMETRY": "0",
        "__SAM_CLI_APP_DIR": str(scratch / "sam-app"),
        "PIP_CACHE_DIR": str(scratch / "pip-cache"),
    }


def run(command: list[str | Path], scratch: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=ROOT,
        env=sam_environment(scratch),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )


def sam_validate(scratch: Path) -> subprocess.CompletedProcess[str]:
    return run([SAM, "validate", "--lint", "--template-file", TEMPLATE], scratch)


def cfn_lint(scratch: Path) -> subprocess.CompletedProcess[str]:
    return run([CFN_LINT, TEMPLATE], scratch)


def sam_build(build_dir: Path, scratch: Path) -> subprocess.CompletedProcess[str]:
    """`sam build` without a container, into `build_dir` (one folder per LogicalId)."""
    return run(
        [
            SAM,
            "build",
            "--template-file",
            TEMPLATE,
            "--build-dir",
            build_dir,
            "--cache-dir",
            scratch / "sam-cache",
        ],
        scratch,
    )


def output(process: subprocess.CompletedProcess[str]) -> str:
    return f"exit {process.returncode}\n--- stdout\n{process.stdout}\n--- stderr\n{process.stderr}"
