"""Dead letters always fit SQS: big payloads are cut, big batches are split (moto's SQS)."""

from __future__ import annotations

import json

import pytest
from leda_lambda.dead_letter import MAX_BODY_BYTES, SQS_LIMIT_BYTES, DeadLetter, DeadLetterQueue

from tests.support.queues import drain

pytestmark = pytest.mark.emulator


def test_a_payload_that_escaping_doubles_is_cut_to_fit_and_says_so():
    payload = '"' * 400_000  # each character becomes \\" in JSON
    text = DeadLetter("StateLambda", "bad", payload, {"k": "v"}).to_json()
    assert len(text.encode()) <= MAX_BODY_BYTES
    body = json.loads(text)
    assert body["payloadTruncatedFrom"] == 400_000
    assert payload.startswith(body["payload"]) and len(body["payload"]) > 100_000


def test_a_small_payload_is_kept_whole():
    body = json.loads(DeadLetter("MapLambda", "bad", "é" * 1000).to_json())
    assert body["payload"] == "é" * 1000 and "payloadTruncatedFrom" not in body


def test_ten_big_letters_all_arrive_in_batches_sqs_accepts(sqs, dead_letter_queue):
    letters = [DeadLetter("ReminderLambda", f"reason {n}", "x" * 300_000) for n in range(10)]
    DeadLetterQueue(sqs, dead_letter_queue).send(letters)
    bodies = drain(sqs, dead_letter_queue)
    assert sorted(b["reason"] for b in bodies) == sorted(f"reason {n}" for n in range(10))
    assert all(len(json.dumps(b).encode()) <= SQS_LIMIT_BYTES for b in bodies)
