"""`leda redrive` from the command line, on moto's server (SQS and Kinesis) through
--endpoint-url: what a dry run finds, records past retention, messages that are not Lambda's,
and nothing deleted that was not delivered. Delivery itself (invoking the function, deleting the
message, exactly-once after) is tests/e2e/test_redrive.py; the Lambda invoker is tested here
with botocore's Stubber."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from leda.cli.app import app
from leda.cloud.credentials import LOCAL_REGION, local_client
from leda.redrive.redrive import lambda_invoker

runner = CliRunner()
pytestmark = pytest.mark.emulator


def _on_failure(stream_arn: str, shard: str, start: str, end: str, size: int) -> str:
    return json.dumps(
        {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:p-StateLambda",
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": 11,
            },
            "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": "2026-12-03T00:00:00.000Z",
            "KinesisBatchInfo": {
                "shardId": shard,
                "startSequenceNumber": start,
                "endSequenceNumber": end,
                "batchSize": size,
                "streamArn": stream_arn,
            },
        }
    )


@pytest.fixture
def stream(kinesis: Any) -> tuple[str, str, list[str]]:
    """A one-shard stream holding 6 records: (ARN, shard, sequence numbers)."""
    name = f"redrive-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    kinesis.get_waiter("stream_exists").wait(StreamName=name)
    arn = kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"]
    sequences = [
        kinesis.put_record(StreamName=name, Data=f"r{i}".encode(), PartitionKey="k")[
            "SequenceNumber"
        ]
        for i in range(6)
    ]
    shard = kinesis.list_shards(StreamName=name)["Shards"][0]["ShardId"]
    return arn, shard, sequences


def _redrive(endpoint: str, *args: str) -> Any:
    return runner.invoke(
        app, ["redrive", "--endpoint-url", endpoint, "--region", LOCAL_REGION, *args]
    )


def test_dry_run_finds_the_records_and_keeps_every_message(sqs, moto_endpoint, stream):
    arn, shard, sequences = stream
    name = f"failures-{uuid.uuid4().hex[:8]}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.send_message(
        QueueUrl=url, MessageBody=_on_failure(arn, shard, sequences[1], sequences[3], 3)
    )
    result = _redrive(moto_endpoint, "--queue", name, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would deliver 3 records of" in result.output
    assert "p-StateLambda: RetryAttemptsExhausted" in result.output
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "1"  # still there, visible


def test_what_cannot_be_redriven_is_reported_and_kept(sqs, moto_endpoint, stream):
    arn, shard, sequences = stream
    url = sqs.create_queue(QueueName=f"failures-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    older = str(int(sequences[0]) - 1)  # before the oldest record the shard holds
    sqs.send_message(QueueUrl=url, MessageBody=_on_failure(arn, shard, older, sequences[0], 2))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"reason": "TradeID is missing"}))
    result = _redrive(moto_endpoint, "--queue", url)
    assert result.exit_code == 1
    assert "past retention" in result.output and "the stream no longer holds" in result.output
    assert "not a batch" in result.output and "TradeID is missing" in result.output
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert len(received) == 2  # kept, and visible again at once


def test_max_limits_the_messages_handled(sqs, moto_endpoint, stream):
    arn, shard, sequences = stream
    url = sqs.create_queue(QueueName=f"failures-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    for i in range(3):
        sqs.send_message(
            QueueUrl=url, MessageBody=_on_failure(arn, shard, sequences[i], sequences[i], 1)
        )
    result = _redrive(moto_endpoint, "--queue", url, "--dry-run", "--max", "2")
    assert result.exit_code == 0, result.output
    assert result.output.count("would deliver 1 records") == 2
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert len(received) == 3  # the one not handled was never hidden


def test_an_unknown_queue_is_one_line(moto_endpoint):
    result = _redrive(moto_endpoint, "--queue", "no-such-queue")
    assert result.exit_code == 1
    assert "queue no-such-queue" in result.output and "Traceback" not in result.output


def test_the_lambda_invoker_reads_function_errors_and_failed_records(moto_endpoint):
    client = local_client("lambda", moto_endpoint)
    invoke = lambda_invoker(client)
    with Stubber(client) as stub:
        for payload, error in (
            ({"ok": 1}, None),
            ({"errorMessage": "boom", "errorType": "ValueError"}, "Unhandled"),
            ({"batchItemFailures": [{"itemIdentifier": "9"}]}, None),
        ):
            response: dict[str, Any] = {
                "StatusCode": 200,
                "Payload": io.BytesIO(json.dumps(payload).encode()),
            }
            if error:
                response["FunctionError"] = error
            stub.add_response("invoke", response)
        assert invoke("arn:f", {"Records": []}).ok
        failed = invoke("arn:f", {"Records": []})
        assert not failed.ok and failed.detail == "Unhandled: boom"
        partial = invoke("arn:f", {"Records": []})
        assert not partial.ok and "1 records failed" in partial.detail


def _scheduler_dead_letter(sqs: Any, url: str, request: dict[str, Any], wrapped: bool) -> None:
    target = "arn:aws:scheduler:::aws-sdk:ses:sendEmail"
    if wrapped:  # the offline Scheduler's body: the schedule's details around the input
        body = {"targetArn": target, "input": json.dumps(request), "errorCode": "Throttling"}
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))
        return
    sqs.send_message(  # AWS's: the input itself, the error in attributes
        QueueUrl=url,
        MessageBody=json.dumps(request),
        MessageAttributes={
            "TARGET_ARN": {"DataType": "String", "StringValue": target},
            "ERROR_CODE": {"DataType": "String", "StringValue": "Throttling"},
        },
    )


def test_a_schedulers_dead_letter_is_sent_now(sqs, moto_endpoint):
    ses = local_client("ses", moto_endpoint)
    ses.verify_email_identity(EmailAddress="reminders@example.org")
    url = sqs.create_queue(QueueName=f"reminder-dlq-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    request = {
        "Source": "reminders@example.org",
        "Destination": {"ToAddresses": ["someone@example.org"]},
        "Message": {
            "Subject": {"Data": "Time for your appointment"},
            "Body": {"Text": {"Data": "x"}},
        },
    }
    _scheduler_dead_letter(sqs, url, request, wrapped=False)
    _scheduler_dead_letter(sqs, url, request, wrapped=True)
    sent_before = ses.get_send_quota()["SentLast24Hours"]

    looked = _redrive(moto_endpoint, "--queue", url, "--dry-run")
    assert looked.exit_code == 0, looked.output
    assert looked.output.count("would send ses.send_email that failed with Throttling") == 2
    assert ses.get_send_quota()["SentLast24Hours"] == sent_before

    result = _redrive(moto_endpoint, "--queue", url)
    assert result.exit_code == 0, result.output
    assert result.output.count("sent ses.send_email") == 2
    assert ses.get_send_quota()["SentLast24Hours"] == sent_before + 2
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)


def test_a_dead_letter_that_fails_again_is_kept(sqs, moto_endpoint):
    url = sqs.create_queue(QueueName=f"reminder-dlq-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    request = {  # from an address SES has not verified: refused
        "Source": "nobody@unverified.example",
        "Destination": {"ToAddresses": ["someone@example.org"]},
        "Message": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "x"}}},
    }
    _scheduler_dead_letter(sqs, url, request, wrapped=False)
    result = _redrive(moto_endpoint, "--queue", url)
    assert result.exit_code == 1
    assert "failed" in result.output and "again:" in result.output
    assert len(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]) == 1
