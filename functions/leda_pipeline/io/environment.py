"""What a pipeline handler gets from its container: the game parameters, the dead-letter queue
and a source of random draws, each built once per container from the environment."""

from __future__ import annotations

import random

from leda_lambda import clients, dead_letter, settings
from leda_lambda.container import once

from leda_pipeline.io.parameters import ParameterTable


@once
def parameters() -> ParameterTable:
    return ParameterTable(clients.dynamodb(), settings.required("PARAMETER_TABLE_NAME"))


def dead_letters() -> dead_letter.DeadLetterQueue:
    """The queue for malformed records; without DEAD_LETTER_QUEUE_URL they fail the batch."""
    return dead_letter.queue("DEAD_LETTER_QUEUE_URL")


@once
def rng() -> random.Random:
    """Draws for failure injection and the generator; LEDA_RANDOM_SEED makes a run repeatable."""
    seed = settings.optional("LEDA_RANDOM_SEED")
    return random.Random(seed)
