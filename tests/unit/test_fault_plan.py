"""--inject values: names, amounts, and what each function's worker is told."""

from __future__ import annotations

import pytest

from leda.faults.plan import Fault, FaultError, FaultPlan


def test_defaults_and_amounts():
    plan = FaultPlan.parse(["refused-puts", "late-reduce-replay=35", "malformed-records=3"])
    assert plan.amounts == {
        Fault.REFUSED_PUTS: 5,
        Fault.LATE_REDUCE_REPLAY: 35,
        Fault.MALFORMED_RECORDS: 3,
    }
    assert plan.malformed_per_burst == 3
    assert plan.reduce_replay_share == pytest.approx(0.35)
    assert plan.for_worker("GeneratorLambda") == {"refuse_put_records": pytest.approx(0.05)}
    assert plan.for_worker("ReduceLambda") == {"forget_tokens_on_replay": True}
    assert plan.for_worker("MapLambda") == {}
    assert plan.for_worker("StateLambda") == {}
    assert len(plan.describe()) == 3


def test_no_injection_is_falsy_and_tells_nobody_anything():
    plan = FaultPlan.parse([])
    assert not plan
    assert all(not plan.for_worker(f) for f in ("GeneratorLambda", "MapLambda", "ReduceLambda"))


def test_map_throttling_names_the_write():
    plan = FaultPlan.parse(["throttled-map-writes=25"])
    assert plan.for_worker("MapLambda") == {
        "throttle": {"operations": ["PutItem"], "share": pytest.approx(0.25)}
    }


def test_a_seed_goes_to_each_told_worker_as_a_stream_of_its_own():
    plan = FaultPlan.parse(["throttled-map-writes=25", "refused-puts"])
    assert plan.for_worker("MapLambda", seed=7)["seed"] == "7:MapLambda"
    assert plan.for_worker("GeneratorLambda", seed=7)["seed"] == "7:GeneratorLambda"
    assert "seed" not in plan.for_worker("MapLambda")  # unseeded: draws differ run to run
    assert plan.for_worker("StateLambda", seed=7) == {}  # told nothing, given nothing


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["flood"], "unknown failure 'flood'; allowed: malformed-records[=N]"),
        (["refused-puts=lots"], "'lots' is not a number; allowed: 0-50"),
        (["refused-puts=0"], "0 is out of range; allowed: more than 0, at most 50"),
        (["throttled-map-writes=101"], "101 is out of range"),
        (["malformed-records=1.5"], "a number of records is a whole number"),
        (["refused-puts", "refused-puts=3"], "--inject refused-puts is given twice"),
    ],
)
def test_bad_values_say_what_is_allowed(values, message):
    with pytest.raises(FaultError, match=message.replace("[", r"\[").replace("]", r"\]")):
        FaultPlan.parse(values)


def test_a_state_write_outage_throttles_every_state_write_from_the_start():
    plan = FaultPlan.parse(["state-write-outage=30"])
    settings = plan.for_worker("StateLambda", now=1000.0)
    assert settings == {
        "throttle": {
            "operations": ["UpdateItem", "BatchExecuteStatement", "ExecuteStatement"],
            "share": 1.0,
            "until": 1030.0,
        }
    }
    assert all(not plan.for_worker(f) for f in ("GeneratorLambda", "MapLambda", "ReduceLambda"))
