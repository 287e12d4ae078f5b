from decimal import Decimal

from leda_pipeline.domain.scoring import LAB2_PARAMETERS, compare, next_move


def test_a_burst_that_arrived_exactly_matches():
    expected = {
        "PV": Decimal("10.5"),
        "PV:FXSpot": Decimal("10.5"),
        "PV:FXSpot:EMEA": Decimal("10.5"),
    }
    before = {"PV": Decimal(100), "message_count": Decimal(7)}
    after = {
        "PV": Decimal("110.5"),
        "PV:FXSpot": Decimal("10.5"),
        "PV:FXSpot:EMEA": Decimal("10.5"),
    }
    assert compare(expected, before, after) == []


def test_tolerance_is_one_hundred_thousandth():
    expected = {"PV": Decimal("1")}
    assert compare(expected, {}, {"PV": Decimal("1.000009")}) == []
    [miss] = compare(expected, {}, {"PV": Decimal("1.00002")})
    assert miss.key == "PV" and miss.actual == Decimal("1.00002")


def test_a_change_where_nothing_was_sent_is_a_mismatch():
    [miss] = compare({}, {}, {"Delta:FXSpot:AMER": Decimal(5)})
    assert (miss.key, miss.expected, miss.actual) == ("Delta:FXSpot:AMER", Decimal(0), Decimal(5))


def test_counts_and_markers_are_not_compared():
    assert compare({}, {}, {"message_count": Decimal(3), "applied-batch#x": Decimal(1)}) == []


def test_score_and_the_move_to_lab2():
    assert next_move(Decimal(0), False, True).points == 100
    assert next_move(Decimal(0), False, False).points == 0
    assert next_move(Decimal(100), False, True).enter_lab2 is False
    assert next_move(Decimal(200), False, True).enter_lab2 is True
    assert next_move(Decimal(300), True, True).enter_lab2 is False  # already in lab 2
    assert LAB2_PARAMETERS == {
        "SPECIAL_TRADES": 1,
        "FAILURE_STATE_LAMBDA_PCT": 5,
        "FAILURE_MAP_LAMBDA_PCT": 10,
        "FAILURE_REDUCE_LAMBDA_PCT": 10,
    }
