"""Emulators for the whole session; fresh tables, queues and environment for each test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leda.cloud import dynamodb_local, moto_server
from leda.cloud.credentials import LOCAL_CREDENTIALS, local_client
from leda.cloud.process import EmulatorProcess
from tests.support.tables import PipelineTables, create_pipeline_tables

for _name, _value in LOCAL_CREDENTIALS.items():
    os.environ.setdefault(_name, _value)

# DynamoDB Local with the JVM's quick compiler only. A test's emulators live a minute or two and
# see a few hundred writes, so the optimizing compiler never repays its work: measured on one
# injected-failure test, DynamoDB Local's CPU fell from about 39 s to 18 s (wall unchanged), and
# the suite is CPU-bound on two cores. Same jar, same behaviour; `leda` itself keeps the JVM's
# defaults (README, "Where the time goes"). Set the variable to "" to test with them.
os.environ.setdefault("LEDA_DYNAMODB_JVM_OPTIONS", "-XX:TieredStopAtLevel=1")


@pytest.fixture(scope="session")
def emulator_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("emulator-logs")


@pytest.fixture(scope="session")
def dynamodb_endpoint(emulator_logs: Path) -> Iterator[str]:
    with dynamodb_local.start(None, emulator_logs) as emulator:
        yield emulator.endpoint


@pytest.fixture(scope="session")
def moto_endpoint(emulator_logs: Path) -> Iterator[str]:
    emulator: EmulatorProcess = moto_server.start(emulator_logs)
    with emulator:
        yield emulator.endpoint


def _client(service: str, endpoint: str) -> Any:
    return local_client(service, endpoint)


@pytest.fixture
def dynamodb(dynamodb_endpoint: str) -> Any:
    return _client("dynamodb", dynamodb_endpoint)


@pytest.fixture
def dynamodb_streams(dynamodb_endpoint: str) -> Any:
    return _client("dynamodbstreams", dynamodb_endpoint)


@pytest.fixture
def sqs(moto_endpoint: str) -> Any:
    return _client("sqs", moto_endpoint)


@pytest.fixture
def kinesis(moto_endpoint: str) -> Any:
    return _client("kinesis", moto_endpoint)


@pytest.fixture
def tables(dynamodb: Any) -> PipelineTables:
    return create_pipeline_tables(dynamodb)


@pytest.fixture
def dead_letter_queue(sqs: Any) -> str:
    return str(sqs.create_queue(QueueName=f"dlq-{uuid.uuid4().hex[:8]}")["QueueUrl"])


@pytest.fixture
def lambda_env(
    monkeypatch: pytest.MonkeyPatch,
    dynamodb_endpoint: str,
    moto_endpoint: str,
    tables: PipelineTables,
) -> Iterator[pytest.MonkeyPatch]:
    """The environment a pipeline function gets, pointed at the emulators; no code-path switch
    set (each test sets the ones its function reads)."""
    from leda_lambda import container

    for name, value in {
        **LOCAL_CREDENTIALS,
        **tables.environment(),
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint,
        "AWS_ENDPOINT_URL_SQS": moto_endpoint,
        "AWS_ENDPOINT_URL_KINESIS": moto_endpoint,
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DEAD_LETTER_QUEUE_URL", raising=False)
    monkeypatch.delenv("LEDA_RANDOM_SEED", raising=False)
    container.reset()
    yield monkeypatch
    container.reset()
