"""Records no StateLambda can read as a trade, for `--inject malformed-records`: each one a
different way a producer gets it wrong, so the dead-letter queue shows each reason."""

from __future__ import annotations

import json
import random
import uuid

SAMPLES: tuple[bytes, ...] = (
    b'{"TradeID": "cut-off", "Value": 12.5, "Vers',  # not JSON: a truncated message
    json.dumps(
        {"TradeID": "no-value", "Version": 1, "Timestamp": 0, "Hierarchy": {}}
    ).encode(),  # a trade without its Value
    json.dumps(
        {
            "TradeID": "text-value",
            "Value": "twelve",
            "Version": 1,
            "Timestamp": 0,
            "Hierarchy": {"RiskType": "PV", "Region": "EMEA", "TradeDesk": "FXSpot"},
        }
    ).encode(),  # a Value that is not a number
    b"\xff\xfe not utf-8",
)


def malformed_entries(count: int, rng: random.Random) -> list[dict[str, object]]:
    """PutRecords entries, each with a random partition key (so any shard may get one)."""
    return [
        {"Data": SAMPLES[rng.randrange(len(SAMPLES))], "PartitionKey": uuid.uuid4().hex}
        for _ in range(count)
    ]
