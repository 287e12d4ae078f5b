"""The mock runner: many runs in one process stay independent, values come back plain."""

from __future__ import annotations

import time
from pathlib import Path

from stacks.mocks import run as mock_run
from stacks.mocks.cloud import ACCOUNT


def _config(stage: str, artifacts_dir: Path, **extra: str) -> dict[str, str]:
    return mock_run.stage_config(stage, extra={"leda:artifactsDir": str(artifacts_dir), **extra})


def test_runs_in_one_process_do_not_leak_into_each_other(artifacts_dir: Path) -> None:
    first = mock_run.run(_config("broken", artifacts_dir))
    failed = mock_run.record(_config("nonsense", artifacts_dir))
    other = mock_run.run(_config("fault-tolerant", artifacts_dir), stack="other")
    again = mock_run.run(_config("broken", artifacts_dir))
    assert failed.error is not None and failed.resources == ()
    assert again.resources == first.resources
    assert again.outputs == first.outputs
    assert {r.name.split("-")[1] for r in other.resources} == {"other"}
    assert other.outputs["stage"] == "fault-tolerant"
    assert again.outputs["stage"] == "broken"


def test_a_run_is_fast(artifacts_dir: Path) -> None:
    mock_run.run(_config("wired", artifacts_dir))  # warm: imports done
    started = time.perf_counter()
    mock_run.run(_config("wired", artifacts_dir, **{"leda:shardCount": "3"}))
    assert time.perf_counter() - started < 2.0


def test_values_come_back_plain(artifacts_dir: Path) -> None:
    run = mock_run.run(_config("wired", artifacts_dir))
    stream = run.named("leda-dev-IncomingDataStream")
    assert type(stream.inputs["shardCount"]) is int
    assert stream.arn == f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/leda-dev-IncomingDataStream"
    mapping = next(r for r in run.resources if r.name == "leda-dev-MapLambdaTrigger")
    assert type(mapping.inputs["batchSize"]) is int
    assert type(mapping.inputs["bisectBatchOnFunctionError"]) is bool
    component = run.named("leda-dev")
    assert component.type == "leda:pipeline:AggregationPipeline" and not component.custom


def test_region_shapes_every_arn(artifacts_dir: Path) -> None:
    run = mock_run.run(
        mock_run.stage_config(
            "wired", region="eu-west-2", extra={"leda:artifactsDir": str(artifacts_dir)}
        )
    )
    regional = [r.arn for r in run.resources if r.arn and ":iam::" not in r.arn]
    assert regional and all(":eu-west-2:" in arn for arn in regional)
