"""Which data directories a deployment may use: checked before anything starts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leda.deployment.deployment import MARKER, DeploymentError, check_data_dir


def _mark(data: Path, participant: str, stage: str) -> Path:
    marker = data / "deployments" / participant / MARKER
    marker.parent.mkdir(parents=True)
    marker.write_text(json.dumps({"stage": stage, "participant": participant}))
    return marker


def test_an_empty_or_own_data_dir_is_fine(tmp_path):
    check_data_dir(None, "wired", "leda-dev")
    check_data_dir(tmp_path, "wired", "leda-dev")
    _mark(tmp_path, "leda-dev", "wired")
    check_data_dir(tmp_path, "wired", "leda-dev")


def test_another_stage_or_participant_is_refused_unless_shared(tmp_path):
    _mark(tmp_path, "leda-dev", "wired")
    with pytest.raises(DeploymentError, match="holds the wired stage of leda-dev"):
        check_data_dir(tmp_path, "fault-tolerant", "leda-dev")
    with pytest.raises(DeploymentError, match="holds the stack of leda-dev, not team-b"):
        check_data_dir(tmp_path, "wired", "team-b")
    check_data_dir(tmp_path, "broken", "team-b", shared=True)


def test_an_earlier_layout_is_refused_not_silently_restarted(tmp_path):
    (tmp_path / "checkpoints").mkdir()
    with pytest.raises(DeploymentError, match="made by an earlier Leda"):
        check_data_dir(tmp_path, "wired", "leda-dev")


def test_an_unreadable_marker_is_one_clear_error(tmp_path):
    marker = _mark(tmp_path, "leda-dev", "wired")
    marker.write_text("{")
    with pytest.raises(DeploymentError, match=f"{marker} is unreadable; delete"):
        check_data_dir(tmp_path, "wired", "leda-dev")
