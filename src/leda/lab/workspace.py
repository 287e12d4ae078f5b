"""A participant's workspace as files: made from the handout, and each step's part of it put
back as handed out or shown as the answer, leaving the participant's other edits alone.

Each step's part is the text between two marker lines (`# >>> STEP` and `# <<< STEP`), in
lab.yaml for the console steps and in the function's module for the code steps. The handout
(labs/handout) has the markers; each answer (labs/solution/<STEP>.yaml or <STEP>.py.txt, text
only: a fragment of a module is not a module) is the text that goes between them.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

from leda.lab.steps import Region, Step
from stacks.lab_workspace import CODE_DIR, SETTINGS_FILE
from stacks.project import HANDOUT, SOLUTION

# The folder `leda lab start` makes when it is given none, and the one a command reads when no
# workspace is named and none is found around it.
DEFAULT_FOLDER = Path("lab")


class WorkspaceError(ValueError):
    """A workspace that cannot be made or read; the message says what to do."""


def is_workspace(folder: Path) -> bool:
    return (folder / SETTINGS_FILE).is_file() and (folder / CODE_DIR).is_dir()


def locate(here: Path) -> Path:
    """The workspace a command means when none is named: `here` or the nearest folder above it
    that is one (as git finds its repository, so a participant can work from inside the
    workspace, its functions folder included), else `lab` below `here`."""
    here = here.absolute()
    for folder in (here, *here.parents):
        if is_workspace(folder):
            return folder
    return here / DEFAULT_FOLDER


def start(destination: Path) -> list[Path]:
    """Copy the handout into `destination` (new or empty); the files made, in order."""
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise WorkspaceError(
            f"{destination} already exists and is not an empty folder; choose a new folder, "
            "or use `leda lab reset STEP` to put one step back as handed out"
        )
    shutil.copytree(HANDOUT, destination, dirs_exist_ok=True)
    return sorted(path for path in destination.rglob("*") if path.is_file())


def check_workspace(workspace: Path) -> None:
    if not (workspace / SETTINGS_FILE).is_file():
        raise WorkspaceError(
            f"no lab workspace at {workspace} ({SETTINGS_FILE} is missing); create one with "
            f"`leda lab start {workspace}`"
        )


def _bounds(lines: list[str], region: Region, where: str) -> tuple[int, int]:
    """Indices of the opening and closing marker lines."""
    opening = [i for i, line in enumerate(lines) if line.strip().endswith(f">>> {region.marker}")]
    closing = [i for i, line in enumerate(lines) if line.strip().endswith(f"<<< {region.marker}")]
    if len(opening) != 1 or len(closing) != 1 or closing[0] < opening[0]:
        raise WorkspaceError(
            f"{where}: the lines `# >>> {region.marker}` and `# <<< {region.marker}` must each "
            f"appear once, in that order; put them back around the step's part (the handout "
            f"is in {HANDOUT})"
        )
    return opening[0], closing[0]


def region_text(text: str, region: Region, where: str) -> str:
    lines = text.splitlines(keepends=True)
    start, end = _bounds(lines, region, where)
    return "".join(lines[start + 1 : end])


def with_region(text: str, region: Region, body: str, where: str) -> str:
    lines = text.splitlines(keepends=True)
    start, end = _bounds(lines, region, where)
    return "".join(lines[: start + 1]) + body + "".join(lines[end:])


def answer(region: Region, step_id: str) -> str:
    """The answer's text for one part of a step."""
    suffix = ".yaml" if region.file.endswith(".yaml") else ".py.txt"
    return (SOLUTION / f"{step_id}{suffix}").read_text(encoding="utf-8")


def _edited(workspace: Path, step: Step, source: Path) -> dict[Path, str]:
    """Each file of the step with its part taken from `source` (handout or solution)."""
    check_workspace(workspace)
    result: dict[Path, str] = {}
    for region in step.regions:
        path = workspace / region.file
        if path not in result:
            if not path.is_file():
                raise WorkspaceError(
                    f"{path} is missing; copy it from {HANDOUT / region.file} or start a new "
                    "workspace"
                )
            result[path] = path.read_text(encoding="utf-8")
        body = (
            answer(region, step.id)
            if source == SOLUTION
            else region_text(
                (source / region.file).read_text(encoding="utf-8"),
                region,
                str(source / region.file),
            )
        )
        result[path] = with_region(result[path], region, body, str(path))
    return result


def solution_diff(workspace: Path, step: Step) -> str:
    """The step's answer as a unified diff against the workspace ("" when it is there)."""
    parts: list[str] = []
    for path, text in _edited(workspace, step, SOLUTION).items():
        current = path.read_text(encoding="utf-8")
        name = path.relative_to(workspace).as_posix()
        parts.extend(
            difflib.unified_diff(
                current.splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=f"a/{name}",
                tofile=f"b/{name}",
            )
        )
    return "".join(parts)


def apply_solution(workspace: Path, step: Step) -> list[Path]:
    """Write the step's answer into the workspace; the files changed."""
    return _write(_edited(workspace, step, SOLUTION))


def reset(workspace: Path, step: Step) -> list[Path]:
    """Put the step's part back as handed out; the files changed."""
    return _write(_edited(workspace, step, HANDOUT))


def _write(files: dict[Path, str]) -> list[Path]:
    changed = []
    for path, text in files.items():
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed
