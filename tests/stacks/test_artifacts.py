"""Function code comes from `sam build`; without it the program stops with one line saying so."""

from __future__ import annotations

from pathlib import Path

from stacks.artifacts import ArtifactsMissing
from stacks.mocks import run as mock_run
from tests.stacks.conftest import HANDLERS, make_artifacts
from tests.stacks.helpers import FUNCTION


def _config(build_dir: Path) -> dict[str, str]:
    return mock_run.stage_config("wired", extra={"leda:artifactsDir": str(build_dir)})


def test_missing_artifacts_stop_the_program_with_one_line(tmp_path: Path) -> None:
    result = mock_run.record(_config(tmp_path / "nothing-built"))
    assert isinstance(result.error, ArtifactsMissing)
    message = str(result.error)
    assert "run `sam build`" in message
    assert str(tmp_path / "nothing-built") in message
    assert "(missing: GeneratorLambda, StateLambda, MapLambda, ReduceLambda, ReminderLambda)" in (
        message
    )
    assert "\n" not in message
    assert result.resources == ()


def test_a_folder_without_its_handler_counts_as_missing(tmp_path: Path) -> None:
    built = make_artifacts(tmp_path, {k: v for k, v in HANDLERS.items() if k != "MapLambda"})
    (built / "MapLambda").mkdir()  # an empty folder, e.g. an interrupted build
    result = mock_run.record(_config(built))
    assert isinstance(result.error, ArtifactsMissing)
    assert "(missing: MapLambda)" in str(result.error)


def test_functions_deploy_the_built_folders(tmp_path: Path) -> None:
    built = make_artifacts(tmp_path)
    run = mock_run.run(_config(built))
    code = {r.name: r.inputs["code"] for r in run.of_type(FUNCTION)}
    assert code == {f"leda-dev-{name}": {"fileArchive": str(built / name)} for name in HANDLERS}


def test_the_reminder_artifact_is_required_too(tmp_path: Path) -> None:
    built = make_artifacts(tmp_path, {k: v for k, v in HANDLERS.items() if k != "ReminderLambda"})
    result = mock_run.record(_config(built))
    assert isinstance(result.error, ArtifactsMissing)
    assert "(missing: ReminderLambda)" in str(result.error)
    assert result.resources == ()


def test_describing_a_stage_needs_no_artifacts(tmp_path: Path) -> None:
    run = mock_run.run(_config(tmp_path / "nothing-built"), require_artifacts=False)
    assert len(run.of_type(FUNCTION)) == 5
