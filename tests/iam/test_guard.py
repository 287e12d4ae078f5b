"""The guard in a process: boto3 calls decided before they leave, refusals as the services send
them, allowed calls reaching the emulator unchanged."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from leda.cloud.credentials import LOCAL_CREDENTIALS, LOCAL_REGION
from leda.iam.guard import Guard, Identity
from leda.iam.policy import Policy
from leda.iam.requests import Place

pytestmark = [pytest.mark.emulator]

ROLE = "arn:aws:iam::123456789012:role/p-StateLambdaRole"
CALLER = "arn:aws:sts::123456789012:assumed-role/p-StateLambdaRole/p-StateLambda"


def _client(service: str, endpoint: str) -> Any:
    return boto3.session.Session().client(  # type: ignore[call-overload]  # own session
        service,
        endpoint_url=endpoint,
        region_name=LOCAL_REGION,
        aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


@pytest.fixture
def table(dynamodb) -> str:
    name = f"t-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


@pytest.fixture
def guarded(table) -> Iterator[Guard]:
    arn = f"arn:aws:dynamodb:us-east-1:123456789012:table/{table}"
    policy = Policy.parse(
        "p-StateLambdaPolicy",
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": arn},
                {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"},
                {"Effect": "Deny", "Action": "sqs:SendMessage", "Resource": "*:forbidden"},
            ],
        },
    )
    guard = Guard(Identity(ROLE, "p-StateLambda", (policy,), Place("us-east-1", "123456789012")))
    undo = guard.install()
    try:
        yield guard
    finally:
        undo()


def test_an_allowed_call_reaches_the_emulator(guarded, table, dynamodb_endpoint):
    client = _client("dynamodb", dynamodb_endpoint)
    assert "Item" not in client.get_item(TableName=table, Key={"id": {"S": "x"}})


def test_a_call_not_granted_is_refused_as_dynamodb_refuses_it(
    guarded, table, dynamodb, dynamodb_endpoint
):
    client = _client("dynamodb", dynamodb_endpoint)
    with pytest.raises(ClientError) as refused:
        client.put_item(TableName=table, Item={"id": {"S": "x"}})
    error = refused.value.response
    assert error["Error"]["Code"] == "AccessDeniedException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    arn = f"arn:aws:dynamodb:us-east-1:123456789012:table/{table}"
    assert error["Error"]["Message"] == (
        f"User: {CALLER} is not authorized to perform: dynamodb:PutItem on resource: {arn} "
        "because no identity-based policy allows the dynamodb:PutItem action"
    )
    # nothing reached the table
    assert "Item" not in dynamodb.get_item(TableName=table, Key={"id": {"S": "x"}})


def test_sqs_refuses_in_its_own_words(sqs, guarded, moto_endpoint):
    url = sqs.create_queue(QueueName="forbidden")["QueueUrl"]
    client = _client("sqs", moto_endpoint)
    with pytest.raises(ClientError) as refused:
        client.send_message_batch(QueueUrl=url, Entries=[{"Id": "1", "MessageBody": "x"}])
    error = refused.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (
        "AccessDenied",
        403,
    )
    assert error["Error"]["Message"] == (
        f"User: {CALLER} is not authorized to perform: sqs:sendmessage on resource: "
        "arn:aws:sqs:us-east-1:123456789012:forbidden with an explicit deny in an "
        "identity-based policy"
    )


def test_an_operation_with_no_mapping_is_refused_never_allowed(guarded, dynamodb_endpoint):
    client = _client("dynamodb", dynamodb_endpoint)
    with pytest.raises(ClientError) as refused:
        client.list_tables()
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "dynamodb:ListTables has no IAM mapping offline" in str(refused.value)


def test_undo_leaves_new_clients_unguarded(table, dynamodb_endpoint):
    guard = Guard(Identity(ROLE, "f", (), Place("us-east-1", "123456789012")))
    guard.install()()
    _client("dynamodb", dynamodb_endpoint).put_item(TableName=table, Item={"id": {"S": "y"}})
