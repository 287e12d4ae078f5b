import random
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from leda_pipeline.domain.aggregation import (
    TIMESTAMP_FIRST_KEY,
    TIMESTAMP_MEAN_KEY,
    StateChange,
    decode_deltas,
    encode_deltas,
    map_changes,
    reduce_deltas,
)
from leda_pipeline.domain.hierarchy import Hierarchy, all_hierarchies
from leda_pipeline.domain.messages import MalformedMessage, TradeState

SPOT_AMER = Hierarchy("Delta", "FXSpot", "AMER")
OPT_EMEA = Hierarchy("PV", "FXOptions", "EMEA")


def state(value: str, hierarchy: Hierarchy = SPOT_AMER, version: int = 1, ts: str = "100"):
    return TradeState("t1", Decimal(value), version, hierarchy, Decimal(ts))


def test_insert_adds_under_the_leaf_and_its_parents():
    deltas = map_changes([StateChange(None, state("10.25"))])
    assert deltas["Delta:FXSpot:AMER"] == Decimal("10.25")
    assert deltas["Delta:FXSpot"] == Decimal("10.25")
    assert deltas["Delta"] == Decimal("10.25")
    assert deltas["message_count"] == 1
    assert "PV" not in deltas


def test_modify_subtracts_the_old_value_and_adds_the_new():
    deltas = map_changes([StateChange(state("10"), state("25.5", version=2))])
    assert deltas["Delta:FXSpot:AMER"] == Decimal("15.5")


def test_modify_that_moves_a_trade_between_leaves():
    deltas = map_changes([StateChange(state("10"), state("4", hierarchy=OPT_EMEA, version=2))])
    assert deltas["Delta:FXSpot:AMER"] == Decimal("-10")
    assert deltas["Delta"] == Decimal("-10")
    assert deltas["PV:FXOptions:EMEA"] == Decimal("4")
    assert deltas["PV"] == Decimal("4")


def test_remove_is_skipped_and_an_all_remove_batch_has_no_delta():
    assert map_changes([StateChange(state("10"), None)]) == {}


def test_timestamps_first_and_mean():
    deltas = map_changes(
        [StateChange(None, state("1", ts="100")), StateChange(None, state("1", ts="106"))]
    )
    assert deltas[TIMESTAMP_FIRST_KEY] == Decimal(100)
    assert deltas[TIMESTAMP_MEAN_KEY] == Decimal(103)
    assert TIMESTAMP_FIRST_KEY not in reduce_deltas([deltas])


def test_delta_message_round_trips_exactly():
    deltas = map_changes([StateChange(None, state("0.1")), StateChange(None, state("0.2"))])
    assert decode_deltas(encode_deltas(deltas)) == deltas
    assert decode_deltas(encode_deltas(deltas))["Delta"] == Decimal("0.3")  # no float drift


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("nope", "not JSON"),
        ("[1]", "not a JSON object"),
        ('{"Delta": "abc"}', "not a number"),
        ('{"Delta": true}', "not a number"),
        ('{"Delta": "NaN"}', "not finite"),
        ('{"Gamma": "1"}', "unknown aggregate key"),
    ],
)
def test_malformed_delta_messages(text, reason):
    with pytest.raises(MalformedMessage, match=reason):
        decode_deltas(text)


changes = st.lists(
    st.builds(
        StateChange,
        old=st.none()
        | st.builds(
            TradeState,
            trade_id=st.just("t"),
            value=st.integers(0, 10**7).map(lambda c: Decimal(c) / 100),
            version=st.just(1),
            hierarchy=st.sampled_from(all_hierarchies()),
            timestamp=st.just(Decimal(1)),
        ),
        new=st.builds(
            TradeState,
            trade_id=st.just("t"),
            value=st.integers(0, 10**7).map(lambda c: Decimal(c) / 100),
            version=st.just(2),
            hierarchy=st.sampled_from(all_hierarchies()),
            timestamp=st.integers(1, 10**6).map(Decimal),
        ),
    ),
    min_size=1,
    max_size=40,
)


@given(changes, st.randoms(use_true_random=False), st.integers(1, 5))
def test_totals_do_not_depend_on_order_or_batching(batch_changes, rnd: random.Random, splits):
    """However the records are ordered and cut into Map batches, Reduce sees the same totals."""
    whole = reduce_deltas([map_changes(batch_changes)])
    shuffled = list(batch_changes)
    rnd.shuffle(shuffled)
    cuts = sorted(rnd.sample(range(1, len(shuffled)), min(splits, len(shuffled) - 1)))
    pieces = [shuffled[a:b] for a, b in zip([0, *cuts], [*cuts, len(shuffled)], strict=True)]
    rebatched = reduce_deltas([map_changes(p) for p in pieces])
    keys = set(whole) | set(rebatched)
    assert {k: whole.get(k, Decimal(0)) for k in keys} == {
        k: rebatched.get(k, Decimal(0)) for k in keys
    }
