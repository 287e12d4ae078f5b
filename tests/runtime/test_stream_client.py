"""The runtime's stream reader answers as boto3 does, on the real emulators: the same records
once made into Lambda's events, the same error codes, the same exception when nothing answers."""

from __future__ import annotations

import http.server
import socket
import threading
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from leda.cloud.stream_client import StreamClient
from leda.triggers.sources import DynamoDBStreamSource, KinesisSource
from tests.runtime.test_aws_shapes import table_with_stream

pytestmark = pytest.mark.emulator


def _every_type(index: int) -> dict[str, Any]:
    return {
        "id": {"S": f"item-{index}"},
        "n": {"N": "12.5"},
        "b": {"B": bytes([0, 1, 2, 255, index])},
        "flag": {"BOOL": True},
        "nothing": {"NULL": True},
        "map": {"M": {"inner": {"B": b"\x00bin"}, "list": {"L": [{"S": "x"}, {"N": "1"}]}}},
        "strings": {"SS": ["a", "b"]},
        "numbers": {"NS": ["1", "2"]},
        "binaries": {"BS": [b"\x01", b"\x02"]},
    }


def _table(dynamodb: Any) -> str:
    name, arn = table_with_stream(dynamodb, "id", "S")
    for index in range(3):
        dynamodb.put_item(TableName=name, Item=_every_type(index))
    dynamodb.update_item(
        TableName=name,
        Key={"id": {"S": "item-1"}},
        UpdateExpression="SET n = :n",
        ExpressionAttributeValues={":n": {"N": "7"}},
    )
    return arn


def _read_all(source: Any) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for shard in source.shards():
        iterator = source.iterator(shard.shard_id, None)
        records, _ = source.read(shard.shard_id, iterator)
        events.extend(record.event for record in records)
    return events


def test_table_stream_events_are_the_same_as_from_boto3(
    dynamodb: Any, dynamodb_streams: Any, dynamodb_endpoint: str
):
    arn = _table(dynamodb)
    clock = lambda: 1_800_000_000.0  # noqa: E731 - one first-read time for both readers
    reader = StreamClient("dynamodbstreams", dynamodb_endpoint)
    wire = DynamoDBStreamSource(reader, arn, clock=clock)
    boto = DynamoDBStreamSource(dynamodb_streams, arn, clock=clock)
    from_wire = _read_all(wire)
    assert [e["eventName"] for e in from_wire] == ["INSERT", "INSERT", "INSERT", "MODIFY"]
    assert from_wire == _read_all(boto)
    assert from_wire[0]["dynamodb"]["NewImage"]["b"] == {"B": "AAEC/wA="}  # base64, as on AWS


def test_kinesis_events_are_the_same_as_from_boto3(kinesis_local: Any, kinesalite_endpoint: str):
    name = f"s-{uuid.uuid4().hex[:8]}"
    kinesis_local.create_stream(StreamName=name, ShardCount=2)
    kinesis_local.get_waiter("stream_exists").wait(StreamName=name)
    arn = kinesis_local.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"][
        "StreamARN"
    ]
    for index in range(6):
        kinesis_local.put_record(StreamName=name, Data=bytes([index, 255]), PartitionKey=str(index))
    wire = KinesisSource(StreamClient("kinesis", kinesalite_endpoint), arn)
    from_wire = _read_all(wire)
    assert len(from_wire) == 6
    assert from_wire == _read_all(KinesisSource(kinesis_local, arn))
    assert {e["kinesis"]["data"] for e in from_wire} >= {"AP8=", "Af8="}


@pytest.mark.parametrize("service", ["kinesis", "dynamodbstreams"])
def test_an_error_has_the_code_boto3_reports(
    service: str,
    kinesis_local: Any,
    kinesalite_endpoint: str,
    dynamodb_streams: Any,
    dynamodb_endpoint: str,
):
    boto, endpoint = {
        "kinesis": (kinesis_local, kinesalite_endpoint),
        "dynamodbstreams": (dynamodb_streams, dynamodb_endpoint),
    }[service]
    with pytest.raises(ClientError) as from_boto:
        boto.get_records(ShardIterator="not-an-iterator", Limit=10)
    with pytest.raises(ClientError) as from_wire:
        StreamClient(service, endpoint).get_records(ShardIterator="not-an-iterator", Limit=10)
    assert from_wire.value.response["Error"]["Code"] == from_boto.value.response["Error"]["Code"]
    assert from_wire.value.operation_name == "GetRecords"


def test_nothing_listening_is_an_endpoint_connection_error():
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    client = StreamClient("kinesis", f"http://127.0.0.1:{port}")
    with pytest.raises(EndpointConnectionError, match=f"127.0.0.1:{port}"):
        client.list_shards(StreamName="anything")


def test_only_the_two_stream_services():
    with pytest.raises(ValueError, match="allowed: \\['dynamodbstreams', 'kinesis'\\]"):
        StreamClient("sqs", "http://127.0.0.1:1")


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [(500, b"<html>Internal Server Error</html>", "500"), (200, b"not json", "NotJson")],
)
def test_an_answer_that_is_not_json_is_a_client_error_with_its_start(status, body, code):
    class Answer(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = StreamClient("kinesis", f"http://127.0.0.1:{server.server_address[1]}")
        with pytest.raises(ClientError) as error:
            client.get_records(ShardIterator="x", Limit=1)
    finally:
        server.shutdown()
    assert error.value.response["Error"]["Code"] == code
    assert body.decode()[:20] in error.value.response["Error"]["Message"]
