"""Events and on-failure records as AWS shapes them, on the real parts: DynamoDB Local,
kinesalite, moto's SQS, and the function in the runtime's worker processes (where events are
written to the function as JSON lines). Compared with the fixtures in tests/triggers/fixtures
(sources in their README); the engine's rules for each value are tested one by one, in memory,
in tests/triggers/test_aws_shapes.py.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from typing import Any

import boto3
import pytest

from leda.cloud.credentials import LOCAL_CREDENTIALS
from leda.triggers.config import MappingConfig, SourceKind, StartingPosition
from tests.runtime.conftest import Harness, kinesis_mapping
from tests.support.aws_shapes import (
    FORMATS,
    assert_shaped_like,
    fixture,
    fixture_items,
    parse_stream_record,
    python_image,
)

pytestmark = pytest.mark.emulator

REGION = "us-east-2"  # the stack's region in these tests; the emulators say us-east-1, ddblocal
KEEP_EVENTS = {"PROBE_KEEP_EVENTS": "1"}


def table_with_stream(dynamodb: Any, key: str, key_type: str) -> tuple[str, str]:
    name = f"t-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": key_type}],
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    arn: str = dynamodb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    return name, arn


def dynamodb_mapping(arn: str, **settings: Any) -> MappingConfig:
    return MappingConfig(
        name=f"m-{uuid.uuid4().hex[:6]}",
        function="probe",
        source_kind=SourceKind.DYNAMODB,
        source_arn=arn,
        starting_position=StartingPosition.TRIM_HORIZON,
        region=REGION,
        **settings,
    )


def records_seen(harness: Harness) -> list[dict[str, Any]]:
    return [record for i in harness.invocations() for record in i["event"]["Records"]]


def test_every_attribute_type_reaches_the_function_as_boto3_reads_it_from_aws(
    harness: Harness, dynamodb: Any, dynamodb_endpoint: str
):
    """S, N, B, BOOL, NULL, M, L, SS, NS and BS, in old and new images: what the function gets,
    read with botocore's parser for the DynamoDB Streams API and boto3's TypeDeserializer (as a
    GetRecords answer from AWS is read), is exactly the items written; binary decodes to the
    bytes written (it once arrived as the text "b'foobar'")."""
    expected = fixture("dynamodb-event.json")
    [expected_record] = expected["Records"]
    items = fixture_items(expected_record)
    name, arn = table_with_stream(dynamodb, "Id", "N")
    table = boto3.resource(
        "dynamodb",
        endpoint_url=dynamodb_endpoint,
        region_name=dynamodb.meta.region_name,
        aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    ).Table(name)
    harness.start(dynamodb_mapping(arn, batch_size=10), env=KEEP_EVENTS)
    written = []
    for item in (items["OldImage"], items["NewImage"]):  # an INSERT, then a MODIFY
        written.append(time.time())
        table.put_item(Item=item)
    harness.wait_for(lambda: len(records_seen(harness)) == 2)

    insert, modify = records_seen(harness)
    assert (insert["eventName"], modify["eventName"]) == ("INSERT", "MODIFY")
    assert_shaped_like(modify, expected_record, same_items=True)
    parsed = parse_stream_record(modify["dynamodb"])
    assert python_image(parsed["Keys"]) == items["Keys"]
    assert python_image(parsed["OldImage"]) == items["OldImage"]
    assert python_image(parsed["NewImage"]) == items["NewImage"]
    assert python_image(parse_stream_record(insert["dynamodb"])["NewImage"]) == items["OldImage"]
    assert modify["dynamodb"]["NewImage"]["Data"] == {"B": "Zm9vYmFy"}  # b"foobar"

    # epoch seconds with a fraction, close to the write (DynamoDB Local says only the minute)
    for record, at in zip((insert, modify), written, strict=True):
        created = record["dynamodb"]["ApproximateCreationDateTime"]
        assert isinstance(created, float)
        assert at - 0.01 <= created <= at + 2.0
    # the stack's region, where DynamoDB Local says ddblocal
    assert modify["awsRegion"] == REGION
    assert modify["eventSourceARN"] == arn.replace(":ddblocal:", f":{REGION}:")


def test_a_kinesis_event_from_kinesalite_is_shaped_as_on_aws(harness: Harness):
    arn = harness.stream()
    written = time.time()
    harness.put(arn, ["Hello, this is a test."])
    harness.start(kinesis_mapping(arn, region=REGION), env=KEEP_EVENTS)
    harness.wait_for(lambda: len(records_seen(harness)) == 1)
    event = harness.invocations()[0]["event"]
    assert_shaped_like(event, fixture("kinesis-event.json"))
    [record] = event["Records"]
    assert record["kinesis"]["data"] == "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg=="
    assert written - 1 <= record["kinesis"]["approximateArrivalTimestamp"] <= written + 2
    assert record["awsRegion"] == REGION
    assert record["eventSourceARN"] == arn.replace(":us-east-1:", f":{REGION}:")


def test_a_dynamodb_on_failure_record_in_sqs_is_shaped_as_on_aws(harness: Harness, dynamodb: Any):
    name, arn = table_with_stream(dynamodb, "pk", "S")
    url, queue_arn = harness.queue()
    harness.start(
        dynamodb_mapping(arn, maximum_retry_attempts=1, on_failure_destination=queue_arn),
        env={**KEEP_EVENTS, "PROBE_FAIL_WHEN_CONTAINS": "bad"},
        queue_url=url,
    )
    written = time.time()
    dynamodb.put_item(TableName=name, Item={"pk": {"S": "bad"}})
    harness.wait_for(lambda: len(harness.invocations()) == 2)
    [message] = harness.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    body = json.loads(message["Body"])
    assert_shaped_like(body, fixture("dynamodb-on-failure.json"))
    first, last = harness.invocations()
    assert body["responseContext"]["functionError"] == "Unhandled"  # not "RuntimeError"
    assert body["requestContext"]["requestId"] == last["requestId"]  # the last invocation's
    assert FORMATS["UUID"].fullmatch(last["requestId"])
    assert body["requestContext"]["approximateInvokeCount"] == 2
    info = body["DDBStreamBatchInfo"]
    created = first["event"]["Records"][0]["dynamodb"]["ApproximateCreationDateTime"]
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(math.floor(created)))
    assert info["approximateArrivalOfFirstRecord"] == stamp  # whole seconds, as AWS writes them
    assert math.floor(written) <= math.floor(created) <= written + 2  # not DynamoDB Local's minute
    assert info["streamArn"] == arn.replace(":ddblocal:", f":{REGION}:")
    assert body["requestContext"]["functionArn"].split(":")[3] == REGION
