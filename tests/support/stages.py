"""A lab stage's code paths, as the stack sets them for the functions (stacks/stage_model.py)."""

from __future__ import annotations

import pytest

from stacks.stage_model import SWITCHES, Stage


def switches(stage: str) -> dict[str, str]:
    """Every code-path switch of the stage, over all pipeline functions (each reads its own)."""
    return {
        name: value
        for variables in SWITCHES[Stage.parse(stage)].values()
        for name, value in variables.items()
    }


def use_stage(monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    """Give the functions the stage's switches, as the stage's stack does."""
    for name, value in switches(stage).items():
        monkeypatch.setenv(name, value)
