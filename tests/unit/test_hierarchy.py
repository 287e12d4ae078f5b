from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from leda_pipeline.domain.hierarchy import (
    AGGREGATE_KEYS,
    LEAF_KEYS,
    Hierarchy,
    depth,
    key_prefixes,
    roll_up,
)

cents = st.integers(min_value=-10_000_000, max_value=10_000_000).map(lambda c: Decimal(c) / 100)


def test_eighteen_aggregate_keys_in_aggregation_order():
    assert len(AGGREGATE_KEYS) == 18
    assert sum(depth(k) == 0 for k in AGGREGATE_KEYS) == 2
    assert sum(depth(k) == 1 for k in AGGREGATE_KEYS) == 4
    assert sum(depth(k) == 2 for k in AGGREGATE_KEYS) == 12
    assert "Delta:FXSpot:AMER" in LEAF_KEYS
    assert "Delta:FXSpot" in AGGREGATE_KEYS
    assert "Delta:AMER" not in AGGREGATE_KEYS  # order is RiskType, TradeDesk, Region


def test_prefixes_of_a_leaf():
    assert key_prefixes("PV:FXOptions:EMEA") == ["PV", "PV:FXOptions", "PV:FXOptions:EMEA"]


def test_hierarchy_validation_names_the_problem():
    ok = Hierarchy.from_mapping({"RiskType": "PV", "Region": "APAC", "TradeDesk": "FXSpot"})
    assert ok.leaf_key == "PV:FXSpot:APAC"
    with pytest.raises(ValueError, match="unknown hierarchy level"):
        Hierarchy.from_mapping(
            {"RiskType": "PV", "Region": "APAC", "TradeDesk": "FXSpot", "Book": "x"}
        )
    with pytest.raises(ValueError, match="Region='MARS'"):
        Hierarchy.from_mapping({"RiskType": "PV", "Region": "MARS", "TradeDesk": "FXSpot"})
    with pytest.raises(ValueError, match="lacks TradeDesk"):
        Hierarchy.from_mapping({"RiskType": "PV", "Region": "APAC"})


@given(st.dictionaries(st.sampled_from(sorted(LEAF_KEYS)), cents, min_size=1))
def test_every_parent_is_the_sum_of_its_children(leaves):
    totals = roll_up(leaves)
    for key in totals:
        children = [k for k in totals if k.startswith(key + ":") and depth(k) == depth(key) + 1]
        if children:
            assert totals[key] == sum((totals[c] for c in children), Decimal(0))
        else:
            assert totals[key] == leaves[key]
    grand = sum((totals[k] for k in totals if depth(k) == 0), Decimal(0))
    assert grand == sum(leaves.values(), Decimal(0))


def test_roll_up_refuses_a_non_leaf():
    with pytest.raises(ValueError, match="not a leaf"):
        roll_up({"PV": Decimal(1)})
