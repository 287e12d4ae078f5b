"""Runs of the program under mocks, shared by the whole session: each takes ~0.1 s, but the
tests ask the same few (stage, participant) questions many times."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from stacks.mocks import run as mock_run
from stacks.mocks.run import StackRun

HANDLERS = {
    "GeneratorLambda": "generator_lambda.py",
    "StateLambda": "state_lambda.py",
    "MapLambda": "map_lambda.py",
    "ReduceLambda": "reduce_lambda.py",
    "ReminderLambda": "reminder_lambda.py",
}


def make_artifacts(root: Path, functions: dict[str, str] = HANDLERS) -> Path:
    """Small stand-ins for `sam build` output: one folder per function with its handler module."""
    for logical_id, module in functions.items():
        folder = root / logical_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / module).write_text("def handler(event, context):\n    return None\n")
    return root


@pytest.fixture(scope="session")
def artifacts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_artifacts(tmp_path_factory.mktemp("sam-build"))


RunStage = Callable[..., StackRun]


@pytest.fixture(scope="session")
def run_stage(artifacts_dir: Path) -> RunStage:
    """`run_stage("wired", participant="alice", extra={...})`: a cached, successful run."""
    cache: dict[tuple[object, ...], StackRun] = {}

    def run(
        stage: str, participant: str | None = None, extra: Mapping[str, str] | None = None
    ) -> StackRun:
        extra = dict(extra or {})
        key = (stage, participant, tuple(sorted(extra.items())))
        if key not in cache:
            config = mock_run.stage_config(
                stage,
                participant=participant,
                extra={"leda:artifactsDir": str(artifacts_dir), **extra},
            )
            cache[key] = mock_run.run(config)
        return cache[key]

    return run
