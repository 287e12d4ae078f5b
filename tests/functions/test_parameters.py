"""ParameterTable reads: strongly consistent, cached for at most a second."""

from decimal import Decimal

import pytest
from leda_pipeline.io.parameters import ParameterTable

pytestmark = pytest.mark.emulator


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_cached_for_at_most_a_second(dynamodb, tables):
    clock = Clock()
    reader = ParameterTable(dynamodb, tables.parameter, clock=clock)
    writer = ParameterTable(dynamodb, tables.parameter)
    assert reader.get("SCORE") == 0  # missing means 0
    writer.put("SCORE", 100)
    clock.now = 0.9
    assert reader.get("SCORE") == 0  # still the cached read
    clock.now = 1.0
    assert reader.get("SCORE") == 100  # a second later it is read again


def test_add_is_atomic_and_returns_the_new_value(dynamodb, tables):
    table = ParameterTable(dynamodb, tables.parameter)
    assert table.add("SCORE", 100) == Decimal(100)
    assert table.add("SCORE", 100) == Decimal(200)
    assert table.get("SCORE") == Decimal(200)
