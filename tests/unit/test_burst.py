import random
from collections import Counter
from decimal import Decimal

import pytest
from leda_pipeline.domain.burst import BurstSpec, MessageKind, compose_burst, expected_totals
from leda_pipeline.domain.hierarchy import AGGREGATE_KEYS
from leda_pipeline.domain.messages import parse_message

NOW = Decimal("1700000000.5")


def classify(burst):
    """Re-derive each record's kind from the records alone, independently of the generator."""
    counts: Counter[str] = Counter()
    versions: dict[str, list[int]] = {}
    for call in burst.calls:
        seen_in_call: set[str] = set()
        for record in call:
            message = parse_message(record.data.encode())
            if record.data in seen_in_call:
                counts["duplicate"] += 1
                continue
            seen_in_call.add(record.data)
            earlier = versions.setdefault(message.trade_id, [])
            if not earlier:
                counts["fresh"] += 1
            elif message.version > max(earlier):
                counts["modified"] += 1
            elif message.version < min(earlier):
                counts["out_of_order"] += 1
            else:
                counts["same_version_conflict"] += 1
            earlier.append(message.version)
    return counts


def test_workshop_burst_without_special_trades():
    burst = compose_burst(BurstSpec(), random.Random(1), NOW)
    assert len(burst.calls) == 250 and all(len(call) == 40 for call in burst.calls)
    assert classify(burst) == {"fresh": 10_000}
    assert burst.counts[MessageKind.FRESH] == 10_000


@pytest.mark.parametrize("seed", [7, 2024])
def test_lab2_burst_counts_for_a_fixed_seed(seed):
    spec = BurstSpec(special_trades=True)
    burst = compose_burst(spec, random.Random(seed), NOW)
    derived = classify(burst)
    assert derived["same_version_conflict"] == 0  # no two messages of a trade share a version
    assert {k.value: v for k, v in burst.counts.items()} == {
        "fresh": derived["fresh"],
        "modified": derived["modified"],
        "out_of_order": derived["out_of_order"],
        "duplicate": derived["duplicate"],
    }
    assert derived["duplicate"] == 250 * 5
    assert derived["fresh"] + derived["modified"] + derived["out_of_order"] == 250 * 35
    assert derived["modified"] == 1  # only the first modification is newer
    # 3 % of 8,750 fresh slots, about 262: a binomial 5-sigma band
    assert 180 < derived["out_of_order"] < 345
    # The same seed gives the same burst, record for record.
    again = compose_burst(spec, random.Random(seed), NOW)
    assert [r.data for r in again.records] == [r.data for r in burst.records]


def test_partition_key_is_sha256_of_the_message_text():
    import hashlib

    burst = compose_burst(BurstSpec(calls=2, records_per_call=5), random.Random(3), NOW)
    for record in burst.records:
        assert record.partition_key == hashlib.sha256(record.data.encode()).hexdigest()


def test_expected_totals_take_the_highest_version_of_every_trade():
    burst = compose_burst(BurstSpec(special_trades=True), random.Random(11), NOW)
    latest: dict[str, tuple[int, str, Decimal]] = {}
    for record in burst.records:
        m = parse_message(record.data.encode())
        if m.trade_id not in latest or m.version > latest[m.trade_id][0]:
            latest[m.trade_id] = (m.version, m.hierarchy.leaf_key, m.value)
    brute = {
        key: sum(
            (v for _, leaf, v in latest.values() if leaf == key or leaf.startswith(key + ":")),
            Decimal(0),
        )
        for key in AGGREGATE_KEYS
    }
    totals = burst.expected_totals()
    assert {k: totals.get(k, Decimal(0)) for k in AGGREGATE_KEYS} == brute
    # Summing every message sent (what lab 1's code effectively does) is a different answer.
    every = sum((parse_message(r.data.encode()).value for r in burst.records), Decimal(0))
    assert every != totals["PV"] + totals["Delta"]
    assert expected_totals(parse_message(r.data.encode()) for r in burst.records) == totals


def test_bad_specs_are_refused():
    with pytest.raises(ValueError, match="PutRecords limit"):
        BurstSpec(records_per_call=501)
    with pytest.raises(ValueError, match="at least 1"):
        BurstSpec(calls=0)
    with pytest.raises(ValueError, match="at least one fresh"):
        BurstSpec(records_per_call=5, duplicates_per_call=5, special_trades=True)
