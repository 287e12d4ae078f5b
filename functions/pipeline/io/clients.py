"""boto3 clients, created once per container and reused by every invocation.

Endpoints come only from the standard AWS_ENDPOINT_URL_<SERVICE> variables, which boto3 reads
by itself: the code has no "local mode".
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_sqs import SQSClient

# Standard mode retries throttling and network errors a few times; what still fails is raised,
# so the trigger retries the whole batch.
_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 4}, connect_timeout=5, read_timeout=20
)


@cache
def dynamodb() -> DynamoDBClient:
    return boto3.client("dynamodb", config=_CONFIG)


@cache
def kinesis() -> KinesisClient:
    return boto3.client("kinesis", config=_CONFIG)


@cache
def sqs() -> SQSClient:
    return boto3.client("sqs", config=_CONFIG)


def reset() -> None:
    """Forget the clients (tests that move endpoints between cases)."""
    for factory in (dynamodb, kinesis, sqs):
        factory.cache_clear()
