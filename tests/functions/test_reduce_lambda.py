"""ReduceLambda: a replayed batch is applied twice in wired, once in fault-tolerant within the
token's window, and once in hardened even after it."""

import json
from decimal import Decimal

import pytest
import reduce_lambda
from leda_pipeline.domain import batch_hash
from leda_pipeline.domain.failure_injection import InjectedFailure
from leda_pipeline.io.aggregate_store import AggregateStore

from leda.triggers.events import batch
from tests.support.invoke import invoke
from tests.support.stages import use_stage
from tests.support.streams import TableStreamTap

pytestmark = pytest.mark.emulator


def put_delta(dynamodb, tables, message_id, deltas):
    dynamodb.put_item(
        TableName=tables.reduce,
        Item={
            "MessageId": {"S": message_id},
            "Message": {"S": json.dumps({k: str(v) for k, v in deltas.items()})},
        },
    )


@pytest.fixture
def reduce_event(dynamodb, dynamodb_streams, tables):
    put_delta(
        dynamodb,
        tables,
        "m1",
        {
            "PV": 10,
            "PV:FXSpot": 10,
            "PV:FXSpot:EMEA": 10,
            "message_count": 1,
            "timestamp_generator_first": 99,
        },
    )
    put_delta(
        dynamodb,
        tables,
        "m2",
        {
            "PV": Decimal("0.5"),
            "PV:FXSpot": Decimal("0.5"),
            "PV:FXSpot:EMEA": Decimal("0.5"),
            "message_count": 2,
        },
    )
    return batch(TableStreamTap(dynamodb, dynamodb_streams, tables.reduce).take())


def aggregates(dynamodb, tables):
    return AggregateStore(dynamodb, tables.aggregate).read()


def test_one_transaction_sums_the_batch(lambda_env, dynamodb, tables, reduce_event):
    use_stage(lambda_env, "fault-tolerant")
    invoke(reduce_lambda.handler, reduce_event)
    assert aggregates(dynamodb, tables) == {
        "PV": Decimal("10.5"),
        "PV:FXSpot": Decimal("10.5"),
        "PV:FXSpot:EMEA": Decimal("10.5"),
        "message_count": Decimal(3),
    }


def test_wired_applies_a_replayed_batch_twice(lambda_env, dynamodb, tables, reduce_event):
    use_stage(lambda_env, "wired")
    invoke(reduce_lambda.handler, reduce_event)
    invoke(reduce_lambda.handler, reduce_event)
    assert aggregates(dynamodb, tables)["PV"] == Decimal(21)


@pytest.mark.parametrize("stage", ["fault-tolerant", "hardened"])
def test_a_retried_batch_is_applied_once(lambda_env, dynamodb, tables, reduce_event, stage):
    use_stage(lambda_env, stage)
    dynamodb.put_item(
        TableName=tables.parameter,
        Item={"parameter": {"S": "FAILURE_REDUCE_LAMBDA_PCT"}, "value": {"N": "100"}},
    )
    for _ in range(3):  # the injected failure comes after the transaction: the trigger retries
        with pytest.raises(InjectedFailure):
            invoke(reduce_lambda.handler, reduce_event)
    assert aggregates(dynamodb, tables)["PV"] == Decimal("10.5")


def test_a_replay_after_the_token_window_changes_nothing(
    lambda_env, dynamodb, tables, reduce_event, monkeypatch
):
    """After 10 minutes DynamoDB no longer knows the token; to it the replay is a new request,
    which is what a different token is. The applied-batch marker refuses it."""
    use_stage(lambda_env, "hardened")
    first = invoke(reduce_lambda.handler, reduce_event)
    assert first["applied"] is True
    monkeypatch.setattr(reduce_lambda, "request_token", lambda ids: "token-the-service-forgot")
    late = invoke(reduce_lambda.handler, reduce_event)
    assert late["applied"] is False
    assert aggregates(dynamodb, tables)["PV"] == Decimal("10.5")


def test_a_token_mismatch_is_recognised_as_a_replay_when_the_marker_is_there(dynamodb, tables):
    """DynamoDB Local has been reported to answer IdempotentParameterMismatch to a replay."""
    store = AggregateStore(dynamodb, tables.aggregate)
    assert store.apply({"PV": Decimal(1)}, token="t1", batch_marker="b1") is True
    # same token, different request: DynamoDB refuses with IdempotentParameterMismatch
    assert store.apply({"PV": Decimal(2)}, token="t1", batch_marker="b1") is False
    assert store.read()["PV"] == Decimal(1)
    with pytest.raises(dynamodb.exceptions.IdempotentParameterMismatchException):
        store.apply({"PV": Decimal(2)}, token="t1", batch_marker="b2")  # not a replay: loud


def test_fault_tolerant_adds_a_replay_after_the_token_window_again(
    lambda_env, dynamodb, tables, reduce_event, monkeypatch
):
    """The weakness the workshop names: past 10 minutes the token protects nothing."""
    use_stage(lambda_env, "fault-tolerant")
    invoke(reduce_lambda.handler, reduce_event)
    monkeypatch.setattr(reduce_lambda, "records_token", lambda records: "token-the-service-forgot")
    invoke(reduce_lambda.handler, reduce_event)
    assert aggregates(dynamodb, tables)["PV"] == Decimal(21)


def test_the_lab_2_token_is_the_md5_of_the_records(lambda_env, reduce_event, monkeypatch):
    """The same records give the same token, whatever the order of each record's keys."""
    use_stage(lambda_env, "fault-tolerant")
    seen: list[str | None] = []

    def apply(self, total, token=None, batch_marker=None):
        seen.append(token)
        return True

    monkeypatch.setattr(AggregateStore, "apply", apply)
    invoke(reduce_lambda.handler, reduce_event)
    reordered = {"Records": [dict(reversed(r.items())) for r in reduce_event["Records"]]}
    invoke(reduce_lambda.handler, reordered)
    assert seen[0] == seen[1] == batch_hash.records_token(reduce_event["Records"])
    assert len(seen[0]) == 32
    assert batch_hash.records_token(reduce_event["Records"][:1]) != seen[0]


def test_markers_are_not_aggregates(lambda_env, dynamodb, tables, reduce_event):
    use_stage(lambda_env, "hardened")
    invoke(reduce_lambda.handler, reduce_event)
    ids = [r["eventID"] for r in reduce_event["Records"]]
    marker = dynamodb.get_item(
        TableName=tables.aggregate,
        Key={"Identifier": {"S": "applied-batch#" + batch_hash.batch_digest(ids)}},
    )["Item"]
    assert int(marker["ExpiresAt"]["N"]) > 0
    assert all(not k.startswith("applied-batch#") for k in aggregates(dynamodb, tables))


def test_malformed_delta_goes_to_the_dead_letter_queue(
    lambda_env, dynamodb, dynamodb_streams, tables, sqs, dead_letter_queue
):
    use_stage(lambda_env, "hardened")
    lambda_env.setenv("DEAD_LETTER_QUEUE_URL", dead_letter_queue)
    put_delta(dynamodb, tables, "ok", {"Delta": 4})
    dynamodb.put_item(
        TableName=tables.reduce,
        Item={"MessageId": {"S": "bad"}, "Message": {"S": '{"Gamma": "1"}'}},
    )
    event = batch(TableStreamTap(dynamodb, dynamodb_streams, tables.reduce).take())
    summary = invoke(reduce_lambda.handler, event)
    assert summary["dead_lettered"] == 1
    assert aggregates(dynamodb, tables) == {"Delta": Decimal(4)}
    [letter] = sqs.receive_message(QueueUrl=dead_letter_queue)["Messages"]
    assert "unknown aggregate key 'Gamma'" in json.loads(letter["Body"])["reason"]
