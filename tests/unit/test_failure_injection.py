import random
from decimal import Decimal

import pytest
from leda_pipeline.domain.failure_injection import batch_fails, first_failing_record


def test_zero_rate_never_fails():
    rnd = random.Random(1)
    assert all(first_failing_record(Decimal(0), 100, rnd.random) is None for _ in range(1000))
    assert not any(batch_fails(Decimal(0), rnd.random) for _ in range(1000))


def test_a_single_record_batch_at_100_percent_always_fails_at_once():
    assert first_failing_record(Decimal(100), 1, random.Random(2).random) == 0


@pytest.mark.parametrize("batch_length", [10, 100])
def test_about_the_configured_share_of_batches_fails(batch_length):
    rnd = random.Random(3)
    trials = 20_000
    failed = sum(
        first_failing_record(Decimal(5), batch_length, rnd.random) is not None
        for _ in range(trials)
    )
    # per record 5/n %, so per batch 1 - (1 - 0.05/n)^n, just under 5 %
    expected = 1 - (1 - 0.05 / batch_length) ** batch_length
    assert abs(failed / trials - expected) < 0.006


def test_whole_batch_failure_rate():
    rnd = random.Random(4)
    share = sum(batch_fails(Decimal(10), rnd.random) for _ in range(20_000)) / 20_000
    assert abs(share - 0.10) < 0.01
