"""Built artifacts: what they hold, how big they are zipped, and running one as Lambda would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RUNNER = Path(__file__).with_name("artifact_main.py")

# What the Lambda Python runtime puts on the path next to the function's code (/var/runtime):
# the AWS SDK and its dependencies. Nothing else is available to an artifact.
LAMBDA_RUNTIME_LIBRARIES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3")
LAMBDA_RUNTIME_MODULES = ("six.py",)
SDK_PACKAGES = ("boto3", "botocore", "s3transfer")


def lambda_runtime_libraries(target: Path) -> Path:
    """A folder holding only the runtime's libraries, linked from this virtualenv."""
    site_packages = Path(sysconfig.get_paths()["purelib"])
    target.mkdir(parents=True, exist_ok=True)
    for name in (*LAMBDA_RUNTIME_LIBRARIES, *LAMBDA_RUNTIME_MODULES):
        source = site_packages / name
        if not source.exists():
            raise FileNotFoundError(f"{source} (a Lambda runtime library) is not installed")
        link = target / name
        if not link.exists():
            link.symlink_to(source, target_is_directory=source.is_dir())
    return target


def files(artifact: Path) -> list[str]:
    """Every file of an artifact, relative and sorted."""
    return sorted(str(path.relative_to(artifact)) for path in artifact.rglob("*") if path.is_file())


def zipped_size(artifact: Path, archive: Path) -> int:
    """Bytes of the artifact as a deflated zip, the form Lambda receives it in."""
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name in files(artifact):
            bundle.write(artifact / name, name)
    return archive.stat().st_size


@dataclass(frozen=True)
class Invocation:
    ok: bool
    result: Any
    error_type: str | None
    error: str | None
    modules: Mapping[str, str]  # every module loaded, with the file it came from
    log: str  # the function's stdout and stderr (Powertools logs to stdout)

    def describe(self) -> str:
        return f"{self.error_type}: {self.error}\n--- log\n{self.log}"


def run_handler(
    artifact: Path,
    runtime_libraries: Path,
    handler: str,
    scratch: Path,
    *,
    event_path: Path | None = None,
    environment: Mapping[str, str] | None = None,
) -> Invocation:
    """Import `handler` from `artifact` in a fresh `python -I -S -B` and invoke it with the event.

    The process sees only the standard library, the artifact and the runtime's libraries, and
    exactly `environment` (plus PATH): as on Lambda, a function gets its own variables only.
    """
    scratch.mkdir(parents=True, exist_ok=True)
    request = scratch / "request.json"
    result = scratch / "result.json"
    request.write_text(
        json.dumps(
            {
                "paths": [str(artifact), str(runtime_libraries)],
                "handler": handler,
                "event_path": str(event_path) if event_path else None,
            }
        )
    )
    process = subprocess.run(
        [sys.executable, "-I", "-S", "-B", str(RUNNER), str(request), str(result)],
        env={"PATH": os.environ.get("PATH", ""), **(environment or {})},
        cwd=scratch,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    log = process.stdout + process.stderr
    if process.returncode != 0 or not result.is_file():
        return Invocation(False, None, "RunnerFailed", f"exit {process.returncode}", {}, log)
    outcome = json.loads(result.read_text())
    return Invocation(
        ok=outcome["ok"],
        result=outcome["result"],
        error_type=outcome["error_type"],
        error=outcome["error"],
        modules=outcome["modules"],
        log=log,
    )
