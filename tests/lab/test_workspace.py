"""A workspace as files: made from the handout; each step's part shown as its answer, applied,
or put back as handed out, leaving everything else the participant wrote alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from leda.lab import workspace
from leda.lab.steps import STEPS, UnknownStep, step
from stacks.project import HANDOUT


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    workspace.start(folder)
    return folder


def test_start_copies_the_handout_and_refuses_a_folder_in_use(ws: Path) -> None:
    for name in ("lab.yaml", "functions/state_lambda.py", "functions/reduce_lambda.py"):
        assert (ws / name).read_text() == (HANDOUT / name).read_text()
    with pytest.raises(workspace.WorkspaceError, match="already exists and is not an empty"):
        workspace.start(ws)


def test_the_handout_holds_no_answer() -> None:
    """Nothing of lab 2 waits next to the workshop's code."""
    state = (HANDOUT / "functions/state_lambda.py").read_text()
    reduce = (HANDOUT / "functions/reduce_lambda.py").read_text()
    assert "ConditionExpression" not in state and "attribute_not_exists" not in state
    assert "ClientRequestToken" not in reduce


@pytest.mark.parametrize("chosen", [s for s in STEPS if s.regions], ids=lambda s: s.id)
def test_each_solution_changes_only_its_own_part(ws: Path, chosen) -> None:
    before = {p: p.read_text() for p in ws.rglob("*") if p.is_file()}
    diff = workspace.solution_diff(ws, chosen)
    assert diff.startswith(f"--- a/{chosen.regions[0].file}")
    changed = workspace.apply_solution(ws, chosen)
    assert changed == [ws / chosen.regions[0].file]
    for path, text in before.items():
        if path not in changed:
            assert path.read_text() == text
    assert workspace.solution_diff(ws, chosen) == ""  # the answer is in place
    region = chosen.regions[0]
    solved = workspace.answer(region, chosen.id)
    assert workspace.region_text((ws / region.file).read_text(), region, "ws") == solved


def test_reset_puts_one_step_back_and_keeps_the_other_edits(ws: Path) -> None:
    for chosen in STEPS:
        if chosen.regions:
            workspace.apply_solution(ws, chosen)
    state = ws / "functions/state_lambda.py"
    state.write_text(state.read_text().replace("invoked with", "called with"))  # my own edit
    changed = workspace.reset(ws, step("lab2-step1"))
    text = state.read_text()
    assert changed == [state]
    assert "ConditionExpression" not in text  # the step is as handed out again
    assert "called with" in text  # the participant's edit outside the step stays
    assert "ClientRequestToken" in (ws / "functions/reduce_lambda.py").read_text()
    assert "batchSize: 100" in (ws / "lab.yaml").read_text()  # lab 1 stays solved
    assert workspace.reset(ws, step("lab2-step1")) == []


def test_missing_markers_say_what_to_do(ws: Path) -> None:
    state = ws / "functions/state_lambda.py"
    state.write_text(state.read_text().replace("# <<< lab2-step1", "# end"))
    with pytest.raises(workspace.WorkspaceError, match=r"`# <<< lab2-step1` must each appear"):
        workspace.solution_diff(ws, step("lab2-step1"))


def test_no_workspace_and_unknown_step(tmp_path: Path) -> None:
    with pytest.raises(workspace.WorkspaceError, match="create one with `leda lab start"):
        workspace.reset(tmp_path, step("lab1-step1"))
    with pytest.raises(UnknownStep, match=r"allowed: lab1-step1 \| lab1-step2"):
        step("lab3")


def test_locate_finds_the_workspace_around_the_folder_a_command_runs_in(ws: Path) -> None:
    assert workspace.locate(ws) == ws
    assert workspace.locate(ws / "functions") == ws  # editing the code, checking from there
    beside = ws.parent
    assert workspace.locate(beside) == beside / "lab"  # none around: the documented default
    (beside / "lab.yaml").write_text("not a workspace: no functions folder beside it\n")
    assert workspace.locate(beside) == beside / "lab"
