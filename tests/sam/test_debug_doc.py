"""The README's "Debug one function" section matches what exists."""

from __future__ import annotations

import re

import pytest

from tests.sam.artifacts import zipped_size
from tests.sam.project import DEBUG_DOC, EVENTS_DIR, ROOT

INVOKE = re.compile(
    r"sam local invoke (?P<function>\w+) -e (?P<event>events/\S+\.json) --env-vars events/env\.json"
)
SIZE_ROW = re.compile(r"^\| (?P<function>\w+) \| (?P<zipped>[\d.]+) MB \|", re.MULTILINE)
SIZE_TOLERANCE_MB = 0.05


def sample_events() -> set[str]:
    return {
        str(path.relative_to(ROOT))
        for path in EVENTS_DIR.glob("*/*.json")  # events/<handler module>/<sample>.json
    }


def test_every_sample_event_has_its_invoke_command(sam_functions):
    commands = [match.groupdict() for match in INVOKE.finditer(DEBUG_DOC.read_text())]
    assert {command["event"] for command in commands} == sample_events()
    modules = {f.logical_id: f.module for f in sam_functions.values()}
    for command in commands:
        # events/<module>/...: the folder names the function the event is for
        assert command["event"].split("/")[1] == modules[command["function"]], command
    assert {command["function"] for command in commands} == set(sam_functions)


def test_every_function_has_sample_events(sam_functions):
    for function in sam_functions.values():
        assert list((EVENTS_DIR / function.module).glob("*.json")), function.logical_id


@pytest.mark.sam_build
def test_documented_artifact_sizes_are_current(build_dir, sam_functions, tmp_path):
    documented = {
        match["function"]: float(match["zipped"])
        for match in SIZE_ROW.finditer(DEBUG_DOC.read_text())
    }
    assert set(documented) == set(sam_functions)
    for name, size_mb in documented.items():
        measured = zipped_size(build_dir / name, tmp_path / f"{name}.zip") / 1e6
        assert abs(measured - size_mb) <= SIZE_TOLERANCE_MB, f"{name}: {measured:.2f} MB"
