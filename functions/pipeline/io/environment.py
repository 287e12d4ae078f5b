"""What a handler gets from its container: the stage, the game parameters, the dead-letter queue
and a source of random draws, each built once per container from the environment."""

from __future__ import annotations

import random
from functools import cache

from pipeline.io import clients, settings
from pipeline.io.dead_letter import DeadLetterQueue
from pipeline.io.parameters import ParameterTable
from pipeline.stage import Stage


def stage() -> Stage:
    return Stage.from_env()


@cache
def parameters() -> ParameterTable:
    return ParameterTable(clients.dynamodb(), settings.required("PARAMETER_TABLE_NAME"))


@cache
def dead_letters() -> DeadLetterQueue:
    """The queue for malformed records; without DEAD_LETTER_QUEUE_URL they fail the batch."""
    url = settings.optional("DEAD_LETTER_QUEUE_URL")
    return DeadLetterQueue(clients.sqs() if url else None, url)


@cache
def rng() -> random.Random:
    """Draws for failure injection and the generator; LEDA_RANDOM_SEED makes a run repeatable."""
    seed = settings.optional("LEDA_RANDOM_SEED")
    return random.Random(seed)


def reset() -> None:
    """Forget everything built from the environment (tests that change it between cases)."""
    for factory in (parameters, dead_letters, rng):
        factory.cache_clear()
    clients.reset()
