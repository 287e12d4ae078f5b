"""StateLambda against DynamoDB Local and moto's SQS, with Lambda-shaped Kinesis events."""

import base64
import json
from decimal import Decimal
from typing import Any

import pytest
import state_lambda
from leda_lambda.dead_letter import UndeliverableRecords
from leda_pipeline.domain.failure_injection import InjectedFailure

from tests.support.events import kinesis_event, raw_kinesis_event
from tests.support.invoke import invoke
from tests.support.messages import OPT_APAC, trade, wire
from tests.support.stages import use_stage
from tests.support.streams import TableStreamTap

pytestmark = pytest.mark.emulator


def state_of(dynamodb, tables, trade_id):
    item = dynamodb.get_item(
        TableName=tables.state, Key={"id": {"S": trade_id}}, ConsistentRead=True
    ).get("Item")
    if item is None:
        return None
    return (
        Decimal(item["Value"]["N"]),
        int(item["Version"]["N"]),
        json.loads(item["Hierarchy"]["S"]),
    )


def stream_event_names(dynamodb, dynamodb_streams, table):
    return [r["eventName"] for r in TableStreamTap(dynamodb, dynamodb_streams, table).take()]


@pytest.mark.parametrize("stage", ["wired", "fault-tolerant", "hardened"])
def test_writes_each_trade(lambda_env, dynamodb, tables, stage):
    use_stage(lambda_env, stage)
    a, b = trade("a", "10.50"), trade("b", "20", hierarchy=OPT_APAC)
    invoke(state_lambda.handler, kinesis_event([wire(a), wire(b)]))
    assert state_of(dynamodb, tables, "a") == (Decimal("10.5"), 1, a.hierarchy.as_dict())
    assert state_of(dynamodb, tables, "b")[2] == {
        "Region": "APAC",
        "RiskType": "PV",
        "TradeDesk": "FXOptions",
    }


def test_an_exact_duplicate_makes_no_stream_record_even_when_rewritten(
    lambda_env, dynamodb, dynamodb_streams, tables
):
    """DynamoDB writes no stream record for an update that changes nothing (documented for
    Streams; DynamoDB Local agrees), so lab 1's unconditional write survives exact copies. What
    breaks it is an older version (next tests) and a replayed Reduce batch (test_reduce_lambda).
    """
    message = trade("dup", "5")
    use_stage(lambda_env, "wired")
    summary = invoke(state_lambda.handler, kinesis_event([wire(message), wire(message)]))
    assert summary["updated"] == 2  # two writes were made...
    assert stream_event_names(dynamodb, dynamodb_streams, tables.state) == ["INSERT"]  # one record


VERSIONED = ["fault-tolerant", "hardened"]


@pytest.mark.parametrize("stage", VERSIONED)
def test_a_duplicate_is_written_once(lambda_env, dynamodb, dynamodb_streams, tables, stage):
    use_stage(lambda_env, stage)
    message = trade("dup", "5")
    summary = invoke(state_lambda.handler, kinesis_event([wire(message), wire(message)]))
    retry = invoke(state_lambda.handler, kinesis_event([wire(message)]))  # a retried batch
    assert stream_event_names(dynamodb, dynamodb_streams, tables.state) == ["INSERT"]
    assert summary["inserted"] + summary["updated"] == 1 and summary["ignored"] == 1
    assert (retry["updated"], retry["ignored"]) == (0, 1)


def test_fault_tolerant_prints_the_workshops_line_for_a_refused_write(lambda_env, tables, capsys):
    """Lab 2 step 1's check: the line in StateLambda's log, then the trade's fields."""
    use_stage(lambda_env, "fault-tolerant")
    message = trade("dup", "5", version=2)
    invoke(state_lambda.handler, kinesis_event([wire(message), wire(message)]))
    lines = capsys.readouterr().out.splitlines()
    start = lines.index(
        "Conditional put failed. This is either a duplicate or a more recent version already "
        "arrived."
    )
    assert lines[start + 1] == "Id:  dup"
    assert lines[start + 4] == "Version:  2"


@pytest.mark.parametrize("stage", VERSIONED)
def test_the_first_write_of_a_version_wins(lambda_env, dynamodb, tables, stage):
    use_stage(lambda_env, stage)
    invoke(state_lambda.handler, kinesis_event([wire(trade("v", "1", version=5))]))
    invoke(state_lambda.handler, kinesis_event([wire(trade("v", "2", version=5))]))
    assert state_of(dynamodb, tables, "v")[:2] == (Decimal(1), 5)


@pytest.mark.parametrize("stage", VERSIONED)
def test_an_older_version_never_overwrites_a_newer_one(lambda_env, dynamodb, tables, stage):
    use_stage(lambda_env, stage)
    newer, older = trade("t", "30", version=3), trade("t", "10", version=2)
    invoke(state_lambda.handler, kinesis_event([wire(newer)]))
    invoke(state_lambda.handler, kinesis_event([wire(older)]))
    assert state_of(dynamodb, tables, "t")[:2] == (Decimal(30), 3)
    # within one batch too, whatever the order
    invoke(
        state_lambda.handler, kinesis_event([wire(trade("u", "7", 9)), wire(trade("u", "1", 8))])
    )
    assert state_of(dynamodb, tables, "u")[:2] == (Decimal(7), 9)
    # and a newer one does replace it
    invoke(state_lambda.handler, kinesis_event([wire(trade("t", "31", version=4))]))
    assert state_of(dynamodb, tables, "t")[:2] == (Decimal(31), 4)


def test_wired_lets_an_older_version_overwrite(lambda_env, dynamodb, dynamodb_streams, tables):
    use_stage(lambda_env, "wired")
    invoke(
        state_lambda.handler, kinesis_event([wire(trade("t", "30", 3)), wire(trade("t", "10", 2))])
    )
    assert state_of(dynamodb, tables, "t")[:2] == (Decimal(10), 2)
    # and the stream tells Map to replace 30 by 10: the aggregate goes wrong
    records = TableStreamTap(dynamodb, dynamodb_streams, tables.state).take()
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY"]
    assert Decimal(records[1]["dynamodb"]["NewImage"]["Value"]["N"]) == 10


POISON = [
    ("not base64", "%%%"),
    ("not JSON", base64.b64encode(b"{oops").decode()),
    (
        "missing field Value",
        base64.b64encode(
            json.dumps(
                {
                    "TradeID": "x",
                    "Version": 1,
                    "Timestamp": 1,
                    "Hierarchy": {"RiskType": "PV", "Region": "EMEA", "TradeDesk": "FXSpot"},
                }
            ).encode()
        ).decode(),
    ),
    (
        "non-finite number NaN",
        base64.b64encode(
            b'{"TradeID": "x", "Value": NaN, "Version": 1, "Timestamp": 1, "Hierarchy": {}}'
        ).decode(),
    ),
    (
        "unknown hierarchy level",
        base64.b64encode(
            json.dumps(
                {
                    "TradeID": "x",
                    "Value": 1,
                    "Version": 1,
                    "Timestamp": 1,
                    "Hierarchy": {
                        "RiskType": "PV",
                        "Region": "EMEA",
                        "TradeDesk": "FXSpot",
                        "Desk": "1",
                    },
                }
            ).encode()
        ).decode(),
    ),
]


def test_poison_records_go_to_the_dead_letter_queue_and_good_ones_through(
    lambda_env, dynamodb, tables, sqs, dead_letter_queue
):
    use_stage(lambda_env, "hardened")
    lambda_env.setenv("DEAD_LETTER_QUEUE_URL", dead_letter_queue)
    good = [trade(f"g{i}", str(i)) for i in range(3)]
    fields = [
        base64.b64encode(wire(good[0])).decode(),
        *[data for _, data in POISON],
        base64.b64encode(wire(good[1])).decode(),
        base64.b64encode(wire(good[2])).decode(),
    ]
    event = raw_kinesis_event(fields)
    summary = invoke(state_lambda.handler, event)
    assert summary["dead_lettered"] == len(POISON)
    for message in good:
        assert state_of(dynamodb, tables, message.trade_id) is not None

    bodies: list[dict[str, Any]] = []
    while True:
        received = sqs.receive_message(QueueUrl=dead_letter_queue, MaxNumberOfMessages=10)
        if not received.get("Messages"):
            break
        bodies.extend(json.loads(m["Body"]) for m in received["Messages"])
        for m in received["Messages"]:
            sqs.delete_message(QueueUrl=dead_letter_queue, ReceiptHandle=m["ReceiptHandle"])
    assert len(bodies) == len(POISON)
    by_payload = {body["payload"]: body for body in bodies}
    for (reason, data), record in zip(POISON, event["Records"][1:], strict=False):
        letter = by_payload[data]  # the payload exactly as received
        assert reason in letter["reason"]
        assert letter["function"] == "StateLambda"
        assert letter["source"]["sequenceNumber"] == record["kinesis"]["sequenceNumber"]
        assert letter["source"]["eventSourceARN"] == record["eventSourceARN"]


def test_without_a_dead_letter_queue_poison_fails_the_batch_loudly(lambda_env):
    use_stage(lambda_env, "wired")
    with pytest.raises(UndeliverableRecords, match="not base64"):
        invoke(state_lambda.handler, raw_kinesis_event(["%%%"]))


def test_injected_failure_writes_the_records_before_it_then_raises(lambda_env, dynamodb, tables):
    use_stage(lambda_env, "wired")
    dynamodb.put_item(
        TableName=tables.parameter,
        Item={"parameter": {"S": "FAILURE_STATE_LAMBDA_PCT"}, "value": {"N": "100"}},
    )
    with pytest.raises(InjectedFailure, match="record 0 of 1"):
        invoke(state_lambda.handler, kinesis_event([wire(trade("f", "1"))]))
    assert state_of(dynamodb, tables, "f") is None


def test_messages_older_than_a_minute_are_skipped(lambda_env, dynamodb, tables):
    use_stage(lambda_env, "fault-tolerant")
    from dataclasses import replace

    old = replace(trade("old", "1"), timestamp=Decimal(1_000_000))
    summary = invoke(state_lambda.handler, kinesis_event([wire(old)]))
    assert summary["stale"] == 1 and state_of(dynamodb, tables, "old") is None
    lambda_env.setenv("MAX_MESSAGE_AGE_SECONDS", "0")
    invoke(state_lambda.handler, kinesis_event([wire(old)]))
    assert state_of(dynamodb, tables, "old") is not None


def test_a_transient_error_is_raised_not_swallowed(lambda_env, sqs, dead_letter_queue):
    """DynamoDB unreachable: the batch fails so the trigger retries; nothing goes to the DLQ."""
    from botocore.exceptions import EndpointConnectionError
    from leda_lambda import container

    from leda.cloud.process import free_port

    use_stage(lambda_env, "hardened")
    lambda_env.setenv("DEAD_LETTER_QUEUE_URL", dead_letter_queue)
    lambda_env.setenv("AWS_ENDPOINT_URL_DYNAMODB", f"http://127.0.0.1:{free_port()}")
    container.reset()
    with pytest.raises(EndpointConnectionError):
        invoke(state_lambda.handler, kinesis_event([wire(trade("n", "1"))]))
    assert not sqs.receive_message(QueueUrl=dead_letter_queue).get("Messages")
