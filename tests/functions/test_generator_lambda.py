"""The generator's game against moto's Kinesis and DynamoDB Local, the pipeline carried by hand.

Exactly-once is shown by counting: every message the generator sent is read back from the
stream, and AggregateTable is compared with totals computed here from those messages alone.
"""

import base64
import uuid
from decimal import Decimal

import generator_lambda
import pytest
from leda_pipeline.domain.burst import BurstSpec, expected_totals
from leda_pipeline.domain.hierarchy import AGGREGATE_KEYS
from leda_pipeline.domain.messages import parse_message
from leda_pipeline.domain.scoring import LAB2_PARAMETERS
from leda_pipeline.io.aggregate_store import AggregateStore
from leda_pipeline.io.parameters import ParameterTable
from leda_pipeline.io.trade_stream import PutReport, TradeStream
from leda_pipeline.switches import GENERATOR_REFUSED_RECORDS, RefusedRecords

from tests.support.context import FakeLambdaContext
from tests.support.pipeline import ManualPipeline
from tests.support.stages import switches, use_stage
from tests.support.streams import KinesisTap

pytestmark = pytest.mark.emulator

SMALL = BurstSpec(calls=5, records_per_call=40)


@pytest.fixture
def stream(kinesis, lambda_env):
    name = f"IncomingDataStream-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=name, ShardCount=4)
    kinesis.get_waiter("stream_exists").wait(StreamName=name)
    lambda_env.setenv("STREAM_NAME", name)
    return name


class Game:
    def __init__(self, dynamodb, streams, kinesis, tables, stream):
        self.kinesis_tap = KinesisTap(kinesis, stream)
        self.pipeline = ManualPipeline.over(dynamodb, streams, tables)
        self.stream = TradeStream(kinesis, stream)
        self.aggregates = AggregateStore(dynamodb, tables.aggregate)
        self.parameters = ParameterTable(dynamodb, tables.parameter, max_age=0)
        self.sent: list[bytes] = []

    def _carry(self, _delay: float) -> None:
        records = self.kinesis_tap.take()
        self.sent.extend(base64.b64decode(r["kinesis"]["data"]) for r in records)
        self.pipeline.run(records)

    def play(self, stage: str, spec: BurstSpec = SMALL):
        return generator_lambda.play_burst(
            RefusedRecords(switches(stage)[GENERATOR_REFUSED_RECORDS]),
            spec,
            self.stream,
            self.aggregates,
            self.parameters,
            check_delay=0,
            sleep=self._carry,
        )


@pytest.fixture
def game(dynamodb, dynamodb_streams, kinesis, tables, stream):
    return Game(dynamodb, dynamodb_streams, kinesis, tables, stream)


def test_lab1_scores_every_burst_and_moves_to_lab2_at_300(lambda_env, game):
    use_stage(lambda_env, "wired")
    results = [game.play("wired") for _ in range(3)]
    assert [r.correct for r in results] == [True, True, True]
    assert [r.score for r in results] == [100, 200, 300]
    assert [r.entered_lab2 for r in results] == [False, False, True]
    assert sum(r.sent for r in results) == len(game.sent) == 3 * SMALL.size
    for name, value in LAB2_PARAMETERS.items():
        assert game.parameters.get(name) == value


def _enter_lab2(parameters):
    for name, value in LAB2_PARAMETERS.items():
        parameters.put(name, value)


@pytest.mark.parametrize("stage", ["fault-tolerant", "hardened"])
def test_lab2_is_exactly_once_from_lab_2_on(lambda_env, game, stage):
    use_stage(lambda_env, stage)
    lambda_env.setenv("LEDA_RANDOM_SEED", "42")
    _enter_lab2(game.parameters)
    results = [game.play(stage) for _ in range(3)]
    assert all(r.correct for r in results), [r.mismatched_keys for r in results]
    assert sum(r.duplicates for r in results) > 0 and sum(r.out_of_order for r in results) > 0
    assert results[-1].score == 300

    # Independently of the generator: every message read back from the stream, latest version
    # of each trade, summed along the hierarchy, equals AggregateTable key by key.
    assert len(game.sent) == sum(r.sent for r in results)
    want = expected_totals(parse_message(data) for data in game.sent)
    got = game.aggregates.read()
    assert {k: got.get(k, Decimal(0)) for k in AGGREGATE_KEYS} == {
        k: want.get(k, Decimal(0)) for k in AGGREGATE_KEYS
    }
    trades = {parse_message(data).trade_id for data in game.sent}
    assert got["message_count"] >= len(trades)  # one per state change: new trades + newer versions


def test_wired_code_goes_wrong_in_lab2(lambda_env, game):
    """Lab 1's code under lab 2's game: older versions overwrite, retried Reduce batches add
    twice. A single small burst can still come out right by chance (shard order varies with
    the messages' timestamps), but lab 1's code must not get through lab 2: if every burst
    scored, the lab would have nothing to teach."""
    use_stage(lambda_env, "wired")
    lambda_env.setenv("LEDA_RANDOM_SEED", "42")
    _enter_lab2(game.parameters)
    results = [game.play("wired") for _ in range(3)]
    assert not all(r.correct for r in results)
    assert results[-1].score < 300


class FlakyKinesis:
    """Moto's Kinesis with PutRecords partial failures: every third entry is refused with
    ProvisionedThroughputExceededException the first time it is sent, as by a hot shard."""

    def __init__(self, real):
        self._real = real
        self._seen: set[str] = set()

    def put_records(self, StreamName, Records):
        refuse = set()
        for index, entry in enumerate(Records):
            if index % 3 == 0 and entry["PartitionKey"] not in self._seen:
                refuse.add(index)
            self._seen.add(entry["PartitionKey"])
        kept = [r for i, r in enumerate(Records) if i not in refuse]
        answered = iter(self._real.put_records(StreamName=StreamName, Records=kept)["Records"])
        results = [
            {"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": "slow down"}
            if i in refuse
            else next(answered)
            for i in range(len(Records))
        ]
        return {"FailedRecordCount": len(refuse), "Records": results}


@pytest.mark.parametrize(("retry", "stage"), [(True, "hardened"), (False, "fault-tolerant")])
def test_partial_put_failures(kinesis, stream, retry, stage):
    import random

    from leda_pipeline.domain.burst import compose_burst

    burst = compose_burst(BurstSpec(calls=4, records_per_call=30), random.Random(5), Decimal(1))
    report = PutReport()
    sender = TradeStream(FlakyKinesis(kinesis), stream, sleep=lambda _: None)  # type: ignore[arg-type]
    for call in burst.calls:
        sender.put(call, retry_partial=retry, report=report)
    in_stream = sorted(
        base64.b64decode(r["kinesis"]["data"]).decode() for r in KinesisTap(kinesis, stream).take()
    )
    if retry:  # every record exactly once
        assert in_stream == sorted(r.data for r in burst.records)
        assert report.retried == 4 * 10 and report.lost == 0
    else:  # the workshop's generator: a third of the burst silently gone
        assert len(in_stream) == 120 - 40 and report.lost == 40


def test_handler_plays_one_burst(lambda_env, stream, kinesis):
    use_stage(lambda_env, "wired")
    lambda_env.setenv("BURST_CALLS", "2")
    lambda_env.setenv("BURST_RECORDS_PER_CALL", "10")
    lambda_env.setenv("CHECK_DELAY_SECONDS", "0")
    event = {
        "version": "0",
        "id": "1",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": "2026-11-23T00:00:00Z",
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:000000000000:rule/leda-generator"],
        "detail": {},
    }
    summary = generator_lambda.handler(event, FakeLambdaContext())  # type: ignore[arg-type]
    assert summary["sent"] == summary["accepted"] == 20
    assert len(KinesisTap(kinesis, stream).take()) == 20
    assert summary["correct"] is False  # nothing carried the burst through: no aggregates
