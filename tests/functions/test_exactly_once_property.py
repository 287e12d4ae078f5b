"""Property, on DynamoDB Local: from lab 2 on (fault-tolerant, hardened), duplicates,
out-of-order versions and the way records are cut into batches never change the aggregates."""

import os
import random
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from leda_lambda import container
from leda_pipeline.domain.burst import expected_totals
from leda_pipeline.domain.hierarchy import AGGREGATE_KEYS, all_hierarchies
from leda_pipeline.io.aggregate_store import AggregateStore

from tests.support.events import kinesis_event
from tests.support.messages import trade, wire
from tests.support.pipeline import ManualPipeline
from tests.support.stages import switches
from tests.support.tables import create_pipeline_tables

pytestmark = pytest.mark.emulator

# A few trades with several versions each, so versions collide and arrive out of order.
versions = st.lists(
    st.tuples(
        st.sampled_from(["t1", "t2", "t3", "t4"]),
        st.integers(1, 6),
        st.integers(0, 1_000_000),
        st.sampled_from(all_hierarchies()),
    ),
    min_size=1,
    max_size=25,
    unique_by=lambda v: (v[0], v[1]),  # one value per (trade, version), as the generator sends
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(versions, st.randoms(use_true_random=False), st.integers(1, 10), st.integers(1, 8))
@pytest.mark.parametrize("stage", ["fault-tolerant", "hardened"])
def test_duplicates_and_order_never_change_the_result(
    lambda_env, dynamodb, dynamodb_streams, stage, sent, rnd: random.Random, copies, batch_size
):
    tables = create_pipeline_tables(dynamodb)
    os.environ.update({**tables.environment(), **switches(stage)})
    container.reset()
    messages = [trade(t, str(Decimal(cents) / 100), v, h) for t, v, cents, h in sent]
    delivered = messages + [rnd.choice(messages) for _ in range(copies)]
    rnd.shuffle(delivered)

    pipeline = ManualPipeline.over(dynamodb, dynamodb_streams, tables)
    records = kinesis_event([wire(m) for m in delivered])["Records"]
    pipeline.run(records, state_batch=batch_size)
    pipeline.run(records[: len(records) // 2], state_batch=batch_size)  # a replayed shard tail

    want = expected_totals(messages)
    got = AggregateStore(dynamodb, tables.aggregate).read()
    assert {k: got.get(k, Decimal(0)) for k in AGGREGATE_KEYS} == {
        k: want.get(k, Decimal(0)) for k in AGGREGATE_KEYS
    }
