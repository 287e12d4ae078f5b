"""`sam build` makes one artifact per function holding only what that function needs, and each
imports its handler with nothing but the Lambda runtime's own libraries.

The clean interpreter is `python -I -S` (no site-packages, no PYTHONPATH) with two folders on
its path: the artifact, then a stand-in for the runtime's /var/runtime that links only boto3,
botocore, s3transfer, jmespath, dateutil, urllib3 and six from this virtualenv. The artifact
must not bring boto3 itself (asserted below), so an import that works here works on Lambda.
"""

from __future__ import annotations

import filecmp
import subprocess
import sysconfig
from pathlib import Path

import pytest

from tests.sam import tools
from tests.sam.artifacts import RUNNER, SDK_PACKAGES, files, run_handler
from tests.sam.project import FUNCTIONS_DIR, ROOT

pytestmark = pytest.mark.sam_build

FUNCTIONS = ["GeneratorLambda", "StateLambda", "MapLambda", "ReduceLambda", "ReminderLambda"]
# Powertools and its dependencies, as pip installs them from functions/requirements.txt.
DEPENDENCIES = {"aws_lambda_powertools", "jmespath", "typing_extensions"}
# LogicalId -> (the project packages it holds, what it installs beyond DEPENDENCIES): the
# shared plumbing and its own domain package; ReminderLambda also needs the IANA zones.
PACKAGES: dict[str, tuple[set[str], set[str]]] = {
    "GeneratorLambda": ({"leda_lambda", "leda_pipeline"}, set()),
    "StateLambda": ({"leda_lambda", "leda_pipeline"}, set()),
    "MapLambda": ({"leda_lambda", "leda_pipeline"}, set()),
    "ReduceLambda": ({"leda_lambda", "leda_pipeline"}, set()),
    "ReminderLambda": ({"leda_lambda", "leda_reminders"}, {"tzdata"}),
}


def test_sam_build_succeeds_with_one_artifact_per_function(
    sam_build_run: tuple[Path, subprocess.CompletedProcess[str]], sam_functions
):
    folder, process = sam_build_run
    assert process.returncode == 0, tools.output(process)
    assert "Build Succeeded" in process.stdout + process.stderr
    built = {path.name for path in folder.iterdir() if path.is_dir()}
    assert built == set(sam_functions)


def _top_level_name(entry: str) -> str:
    """`jmespath-1.1.0.dist-info` -> `jmespath`, `typing_extensions.py` -> `typing_extensions`."""
    if entry.endswith(".dist-info"):
        return entry.split("-", 1)[0].lower()
    return entry.removesuffix(".py")


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_artifact_holds_only_what_its_function_needs(build_dir, sam_functions, logical_id):
    artifact = build_dir / logical_id
    module = sam_functions[logical_id].module
    top_level = {_top_level_name(path.name) for path in artifact.iterdir()}
    packages, extra = PACKAGES[logical_id]
    assert top_level == {module} | packages | DEPENDENCIES | extra

    every_file = files(artifact)
    assert not [name for name in every_file if "__pycache__" in name or name.endswith(".pyc")]
    assert not [name for name in every_file if name.split("/")[0] in SDK_PACKAGES]
    assert not [name for name in every_file if name.startswith(("tests", "test_"))]
    other_handlers = {f.module for f in sam_functions.values()} - {module}
    assert not [name for name in every_file if name.removesuffix(".py") in other_handlers]


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_artifact_code_is_the_source(build_dir, sam_functions, logical_id):
    artifact = build_dir / logical_id
    module_file = sam_functions[logical_id].module + ".py"
    assert filecmp.cmp(artifact / module_file, FUNCTIONS_DIR / module_file, shallow=False)
    for package in PACKAGES[logical_id][0]:
        source = FUNCTIONS_DIR / package
        source_files = [name for name in files(source) if "__pycache__" not in name]
        assert files(artifact / package) == source_files
        _, mismatch, errors = filecmp.cmpfiles(
            source, artifact / package, source_files, shallow=False
        )
        assert (mismatch, errors) == ([], []), package


def _pins(requirements: Path) -> dict[str, str]:
    """`name==version` lines of a requirements file, following `-r` includes."""
    pins: dict[str, str] = {}
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            pins.update(_pins(requirements.with_name(line[3:].strip())))
        elif "==" in line:
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def test_reminder_artifact_carries_the_pinned_time_zone_database(build_dir):
    """zoneinfo falls back to the tzdata package where the image has no /usr/share/zoneinfo."""
    artifact = build_dir / "ReminderLambda"
    pinned = _pins(FUNCTIONS_DIR / "requirements-reminders.txt")
    assert pinned["tzdata"] == _pins(ROOT / "requirements" / "constraints.txt")["tzdata"]
    assert (artifact / f"tzdata-{pinned['tzdata']}.dist-info").is_dir()
    for zone in ("UTC", "Europe/Paris", "America/New_York"):
        assert (artifact / "tzdata" / "zoneinfo" / zone).is_file(), zone
    # ...and only there: the pipeline's artifacts stay as small as they were.
    for logical_id in ("GeneratorLambda", "StateLambda", "MapLambda", "ReduceLambda"):
        assert not (build_dir / logical_id / "tzdata").exists(), logical_id


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_artifact_imports_its_handler_in_a_clean_interpreter(
    build_dir, runtime_libraries, sam_functions, logical_id, tmp_path
):
    artifact = build_dir / logical_id
    invocation = run_handler(
        artifact, runtime_libraries, sam_functions[logical_id].handler, tmp_path
    )
    assert invocation.ok, invocation.describe()

    allowed = [
        str(artifact),
        str(runtime_libraries),
        sysconfig.get_paths()["stdlib"],
        sysconfig.get_paths()["platstdlib"],
        str(RUNNER),  # the script that imports the handler (__main__)
    ]
    foreign = {
        name: file
        for name, file in invocation.modules.items()
        if not file.startswith(tuple(allowed)) or "site-packages" in file
    }
    assert not foreign, f"loaded from outside the artifact and the runtime: {foreign}"
    assert invocation.modules[sam_functions[logical_id].module].startswith(str(artifact))
    assert invocation.modules["boto3"].startswith(str(runtime_libraries))
