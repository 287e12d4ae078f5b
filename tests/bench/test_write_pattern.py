"""The limit a stage is measured against follows how its StateLambda writes, read from the
stage's own plan (the Pulumi program under mocks), not from a table kept beside it."""

from __future__ import annotations

import pytest

from leda.bench.limit import PARTIQL_BATCH, UPDATE_ITEM, pattern_for
from leda.bench.run import BenchOptions, ratio_to_limit, write_pattern
from leda.deployment.deployment import read_stage_plan
from leda.workshop.run import WorkshopError


@pytest.mark.parametrize(
    ("stage", "pattern"),
    [
        ("broken", UPDATE_ITEM),
        ("wired", UPDATE_ITEM),
        ("fault-tolerant", UPDATE_ITEM),  # the workshop's answer: one UpdateItem per message
        ("hardened", PARTIQL_BATCH),
    ],
)
def test_each_stage_is_measured_in_its_own_write_pattern(stage: str, pattern: str) -> None:
    assert write_pattern(read_stage_plan(stage, None)) == pattern


def test_switch_values_map_to_patterns() -> None:
    assert pattern_for("version-conditional-batched") == PARTIQL_BATCH
    for value in ("unconditional", "version-conditional", None):
        assert pattern_for(value) == UPDATE_ITEM


def test_each_stage_plays_the_lab_it_answers_unless_told() -> None:
    assert BenchOptions(stage="wired").lab_played == 1
    assert BenchOptions(stage="fault-tolerant").lab_played == 2
    assert BenchOptions(stage="hardened").lab_played == 2
    assert BenchOptions(stage="wired", lab=2).lab_played == 2
    with pytest.raises(WorkshopError, match="use 1 or 2"):
        BenchOptions(lab=3).validate()


def test_the_ratio_is_left_out_when_either_side_measured_nothing() -> None:
    assert ratio_to_limit(300.0, 400.0) == 0.75
    assert ratio_to_limit(None, 400.0) is None  # no burst became correct
    assert ratio_to_limit(300.0, 0.0) is None  # the limit window finished no call
