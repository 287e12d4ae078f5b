"""The pure decisions behind the poller (policy.py) and the settings a mapping accepts."""

from __future__ import annotations

from typing import Any

import pytest

from leda.triggers.config import MappingConfig, MappingConfigError, SourceKind, StartingPosition
from leda.triggers.policy import (
    MAX_PAYLOAD_BYTES,
    Next,
    after_failure,
    batch_length,
    ready_to_invoke,
)


def config(**settings: Any) -> MappingConfig:
    return MappingConfig(
        name="m",
        function="f",
        source_kind=SourceKind.KINESIS,
        source_arn="arn",
        starting_position=StartingPosition.TRIM_HORIZON,
        **settings,
    )


def test_splitting_does_not_spend_retries():
    bounded = config(bisect_on_error=True, maximum_retry_attempts=0)
    assert after_failure(bounded, 8, retries_done=0) is Next.BISECT  # split even with 0 retries
    assert after_failure(bounded, 1, retries_done=0) is Next.DISCARD
    assert after_failure(config(bisect_on_error=True, maximum_retry_attempts=3), 1, 2) is Next.RETRY


def test_a_partial_failure_is_retried_not_split_again():
    assert after_failure(config(bisect_on_error=True), 5, 0, may_split=False) is Next.RETRY


def test_batches_stop_at_six_megabytes():
    three_mb = 3 * 1024 * 1024
    assert batch_length(config(batch_size=100), [three_mb, three_mb, three_mb]) == 2
    assert batch_length(config(batch_size=100), [MAX_PAYLOAD_BYTES + 1]) == 1  # one always goes
    assert batch_length(config(batch_size=2), [10, 10, 10]) == 2
    windowed = config(batch_size=100, batching_window_seconds=60)
    assert ready_to_invoke(windowed, 2, 0.0, 1.0, buffered_bytes=MAX_PAYLOAD_BYTES)
    assert not ready_to_invoke(windowed, 2, 0.0, 1.0, buffered_bytes=10)


def test_settings_outside_lambdas_limits_are_refused():
    with pytest.raises(MappingConfigError, match="BatchSize 0"):
        config(batch_size=0)
    with pytest.raises(MappingConfigError, match="MaximumRecordAgeInSeconds"):
        config(maximum_record_age_seconds=5)
    with pytest.raises(MappingConfigError, match="ParallelizationFactor 4 is not supported"):
        config(parallelization_factor=4)
