"""A Kinesis emulator for the session, and a harness that runs one mapping over a probe."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from leda.cloud import kinesalite
from leda.cloud.credentials import LOCAL_CREDENTIALS
from leda.cloud.stream_client import StreamClient
from leda.triggers.checkpoints import CheckpointStore
from leda.triggers.config import MappingConfig, SourceKind
from leda.triggers.destination import OnFailureDestination
from leda.triggers.mapping import EventSourceMapping, source_for
from leda.workers.pool import FunctionPool
from leda.workers.spec import WorkerSpec
from tests.conftest import _client

PROBE_DIR = Path(__file__).parent / "probe"


@pytest.fixture(scope="session")
def kinesalite_endpoint(emulator_logs: Path) -> Iterator[str]:
    with kinesalite.start(None, emulator_logs) as emulator:
        yield emulator.endpoint


@pytest.fixture
def kinesis_local(kinesalite_endpoint: str) -> Any:
    return _client("kinesis", kinesalite_endpoint)


class Harness:
    """One probe function behind one event source mapping, and ways to watch it. The mapping
    reads its shards with the clients the runtime gives its pollers (LocalCloud.stream_client);
    `kinesis` (boto3) sets streams up."""

    def __init__(
        self, tmp: Path, kinesis: Any, readers: tuple[StreamClient, StreamClient], sqs: Any
    ) -> None:
        self.tmp = tmp
        self.kinesis = kinesis
        self.readers = readers
        self.sqs = sqs
        self.log = tmp / "probe.jsonl"
        self.checkpoints = CheckpointStore(tmp / "checkpoints")
        self.pools: list[FunctionPool] = []
        self.mappings: list[EventSourceMapping] = []

    def stream(self, shards: int = 1) -> str:
        name = f"s-{uuid.uuid4().hex[:8]}"
        self.kinesis.create_stream(StreamName=name, ShardCount=shards)
        self.kinesis.get_waiter("stream_exists").wait(StreamName=name)
        arn: str = self.kinesis.describe_stream_summary(StreamName=name)[
            "StreamDescriptionSummary"
        ]["StreamARN"]
        return arn

    def put(self, arn: str, payloads: list[str], shard: int = 0, shards: int = 1) -> None:
        name = arn.rsplit("/", 1)[-1]
        # explicit hash keys pin every record to the chosen shard, in order
        hash_key = str((2**128 // shards) * shard + 1)
        for payload in payloads:
            self.kinesis.put_record(
                StreamName=name, Data=payload.encode(), PartitionKey="k", ExplicitHashKey=hash_key
            )

    def queue(self) -> tuple[str, str]:
        url: str = self.sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
        arn: str = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        return url, arn

    def start(
        self,
        config: MappingConfig,
        env: dict[str, str] | None = None,
        timeout: float = 10,
        reserved: int | None = None,
        queue_url: str | None = None,
    ) -> tuple[EventSourceMapping, FunctionPool]:
        spec = WorkerSpec(
            name="probe",
            handler="probe.handler",
            code_dir=PROBE_DIR,
            environment={"PROBE_LOG": str(self.log), **(env or {})},
            timeout_seconds=timeout,
            reserved_concurrency=reserved,
        )
        pool = FunctionPool(spec, dict(LOCAL_CREDENTIALS), self.tmp / "logs")
        mapping = EventSourceMapping(
            config,
            source_for(config, *self.readers),
            pool.invoke,
            spec.arn,
            self.checkpoints,
            OnFailureDestination(self.sqs if queue_url else None, queue_url),
        )
        mapping.start()
        self.pools.append(pool)
        self.mappings.append(mapping)
        return mapping, pool

    def invocations(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]

    def delivered(self) -> list[str]:
        return [p for i in self.invocations() if i["outcome"] in ("ok",) for p in i["payloads"]]

    def wait_for(self, condition: Callable[[], bool], timeout: float = 30) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if condition():
                return
            time.sleep(0.1)
        raise AssertionError(f"timed out; invocations: {self.invocations()}")

    def stop(self) -> None:
        for mapping in self.mappings:
            mapping.stop()
        for pool in self.pools:
            pool.close()
        self.mappings, self.pools = [], []


@pytest.fixture
def harness(
    tmp_path, kinesis_local, kinesalite_endpoint, dynamodb_endpoint, sqs
) -> Iterator[Harness]:
    readers = (
        StreamClient("kinesis", kinesalite_endpoint),
        StreamClient("dynamodbstreams", dynamodb_endpoint),
    )
    h = Harness(tmp_path, kinesis_local, readers, sqs)
    yield h
    h.stop()


def kinesis_mapping(arn: str, **settings: Any) -> MappingConfig:
    defaults: dict[str, Any] = {"starting_position": "TRIM_HORIZON", "poll_interval_seconds": 0.1}
    return MappingConfig(
        name=f"m-{uuid.uuid4().hex[:6]}",
        function="probe",
        source_kind=SourceKind.KINESIS,
        source_arn=arn,
        **{**defaults, **settings},
    )
