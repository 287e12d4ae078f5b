"""MapLambda on StateTable stream records read back from DynamoDB Local."""

import json
from decimal import Decimal

import map_lambda
import pytest
import state_lambda
from leda_pipeline.domain.failure_injection import InjectedFailure

from leda.triggers.events import batch
from tests.support.events import kinesis_event
from tests.support.invoke import invoke
from tests.support.messages import OPT_APAC, trade, wire
from tests.support.stages import use_stage
from tests.support.streams import TableStreamTap

pytestmark = pytest.mark.emulator


@pytest.fixture
def state_tap(dynamodb, dynamodb_streams, tables):
    return TableStreamTap(dynamodb, dynamodb_streams, tables.state)


def deltas_in(dynamodb, tables):
    items = dynamodb.scan(TableName=tables.reduce, ConsistentRead=True)["Items"]
    return [
        (
            item["MessageId"]["S"],
            {k: Decimal(v) for k, v in json.loads(item["Message"]["S"]).items()},
        )
        for item in items
    ]


def test_insert_modify_remove(lambda_env, dynamodb, tables, state_tap):
    use_stage(lambda_env, "fault-tolerant")
    invoke(state_lambda.handler, kinesis_event([wire(trade("t", "10")), wire(trade("u", "1"))]))
    invoke(state_lambda.handler, kinesis_event([wire(trade("t", "25", 2, hierarchy=OPT_APAC))]))
    dynamodb.delete_item(TableName=tables.state, Key={"id": {"S": "u"}})
    records = state_tap.take()
    assert [r["eventName"] for r in records] == ["INSERT", "INSERT", "MODIFY", "REMOVE"]

    summary = invoke(map_lambda.handler, batch(records))
    assert summary["written"] is True
    [(message_id, deltas)] = deltas_in(dynamodb, tables)
    assert message_id == summary["message_id"]
    # t moved from Delta:FXSpot:AMER (10) to PV:FXOptions:APAC (25); u added 1; REMOVE skipped
    assert deltas["Delta:FXSpot:AMER"] == Decimal(10 - 10 + 1)
    assert deltas["PV:FXOptions:APAC"] == Decimal(25)
    assert deltas["Delta"] == Decimal(1)
    assert deltas["PV"] == Decimal(25)
    assert deltas["message_count"] == 3


def test_a_retried_batch_writes_its_delta_once(lambda_env, dynamodb, tables, state_tap):
    use_stage(lambda_env, "wired")
    invoke(state_lambda.handler, kinesis_event([wire(trade("t", "10"))]))
    event = batch(state_tap.take())
    dynamodb.put_item(
        TableName=tables.parameter,
        Item={"parameter": {"S": "FAILURE_MAP_LAMBDA_PCT"}, "value": {"N": "100"}},
    )
    with pytest.raises(InjectedFailure, match="after writing"):
        invoke(map_lambda.handler, event)
    assert len(deltas_in(dynamodb, tables)) == 1  # the failure came after the write
    dynamodb.delete_item(
        TableName=tables.parameter, Key={"parameter": {"S": "FAILURE_MAP_LAMBDA_PCT"}}
    )
    import time

    time.sleep(1.1)  # parameters are cached for up to a second
    summary = invoke(map_lambda.handler, event)
    assert summary["written"] is False
    assert len(deltas_in(dynamodb, tables)) == 1


def test_a_failed_write_raises_in_hardened(lambda_env, tables, state_tap):
    """hardened fails the batch, so the trigger retries it."""
    use_stage(lambda_env, "hardened")
    invoke(state_lambda.handler, kinesis_event([wire(trade("t", "10"))]))
    lambda_env.setenv("REDUCE_TABLE_NAME", "NoSuchTable")
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        invoke(map_lambda.handler, batch(state_tap.take()))


@pytest.mark.parametrize("stage", ["broken", "wired", "fault-tolerant"])
def test_a_failed_write_returns_500_in_the_workshops_stages(lambda_env, tables, state_tap, stage):
    """The workshop's Map returns {'statusCode': 500}, which the trigger takes as success."""
    use_stage(lambda_env, stage)
    invoke(state_lambda.handler, kinesis_event([wire(trade("t", "10"))]))
    lambda_env.setenv("REDUCE_TABLE_NAME", "NoSuchTable")
    answer = invoke(map_lambda.handler, batch(state_tap.take()))
    assert answer["statusCode"] == 500
    assert "ResourceNotFoundException" in answer["body"]


def test_an_unreadable_image_goes_to_the_dead_letter_queue(
    lambda_env, dynamodb, tables, state_tap, sqs, dead_letter_queue
):
    use_stage(lambda_env, "hardened")
    lambda_env.setenv("DEAD_LETTER_QUEUE_URL", dead_letter_queue)
    invoke(state_lambda.handler, kinesis_event([wire(trade("good", "3"))]))
    dynamodb.put_item(  # written by hand, not by StateLambda
        TableName=tables.state, Item={"id": {"S": "bad"}, "Value": {"N": "1"}}
    )
    summary = invoke(map_lambda.handler, batch(state_tap.take()))
    assert summary["dead_lettered"] == 1
    [(_, deltas)] = deltas_in(dynamodb, tables)
    assert deltas["Delta"] == Decimal(3) and deltas["message_count"] == 1
    [letter] = sqs.receive_message(QueueUrl=dead_letter_queue)["Messages"]
    body = json.loads(letter["Body"])
    assert body["function"] == "MapLambda" and "lacks 'Hierarchy'" in body["reason"]
    # The whole stream record, as received: it can be replayed as it is.
    assert json.loads(body["payload"])["dynamodb"]["Keys"] == {"id": {"S": "bad"}}
    assert json.loads(body["source"]["keys"]) == {"id": "bad"}
