"""boto3 clients, created once per container and reused by every invocation.

Endpoints come only from the standard AWS_ENDPOINT_URL_<SERVICE> variables, which boto3 reads
by itself: the code has no "local mode".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from leda_lambda import settings
from leda_lambda.container import once

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_sqs import SQSClient

# Standard mode retries throttling and network errors a few times; what still fails is raised,
# so the trigger retries the batch (or the record).
MAX_ATTEMPTS = 4
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 20


def config() -> Config:
    """The clients' settings. The standard AWS_MAX_ATTEMPTS variable, where set, replaces
    MAX_ATTEMPTS: botocore reads it itself unless the code names a number."""
    if settings.optional("AWS_MAX_ATTEMPTS"):
        return Config(
            retries={"mode": "standard"},
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
        )
    return Config(
        retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
    )


@once
def dynamodb() -> DynamoDBClient:
    return boto3.client("dynamodb", config=config())


@once
def kinesis() -> KinesisClient:
    return boto3.client("kinesis", config=config())


@once
def sqs() -> SQSClient:
    return boto3.client("sqs", config=config())


@once
def scheduler() -> EventBridgeSchedulerClient:
    return boto3.client("scheduler", config=config())
