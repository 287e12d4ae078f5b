"""Which failures to provoke, and how much of each: parsed from `--inject NAME[=AMOUNT]`.

Each failure is the circumstance under which one flaw of the workshop's lab-2 answer shows,
and the hardened stage's fix for it (stacks/stage_model.py): the plan knows what to tell each
part of the runtime (a function's worker, the Reduce trigger, the burst) and nothing else.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from stacks.stage_model import FunctionId


class FaultError(ValueError):
    """An --inject value that is not a known failure or amount; the message says what is."""


class Fault(StrEnum):
    MALFORMED_RECORDS = "malformed-records"
    REFUSED_PUTS = "refused-puts"
    THROTTLED_MAP_WRITES = "throttled-map-writes"
    LATE_REDUCE_REPLAY = "late-reduce-replay"
    REDELIVERED_REDUCE_BATCHES = "redelivered-reduce-batches"
    STATE_WRITE_OUTAGE = "state-write-outage"


@dataclass(frozen=True)
class FaultSpec:
    default: float
    unit: str  # what the amount counts
    high: float
    provokes: str  # the flaw, as a participant sees it
    fixed_by: str  # what hardened does about it


SPECS: Mapping[Fault, FaultSpec] = {
    Fault.MALFORMED_RECORDS: FaultSpec(
        1,
        "records put on the stream with every burst",
        100,
        "StateLambda fails the batch holding it on every retry; its shard stops for good",
        "the record goes to the dead-letter queue with its reason; bisect and bounded retries",
    ),
    Fault.REFUSED_PUTS: FaultSpec(
        5,
        "percent of PutRecords entries refused (ProvisionedThroughputExceededException)",
        50,
        "the generator ignores the refusals: those trades are never sent",
        "the generator sends the refused entries again",
    ),
    Fault.THROTTLED_MAP_WRITES: FaultSpec(
        10,
        "percent of MapLambda's PutItem calls throttled past the SDK's retries",
        100,
        "MapLambda returns a 500 object, which the trigger takes as success: the batch is lost",
        "MapLambda raises, and the trigger retries the batch",
    ),
    Fault.LATE_REDUCE_REPLAY: FaultSpec(
        20,
        "percent of ReduceLambda's batches delivered again after the token's 10 minutes",
        100,
        "DynamoDB has forgotten the ClientRequestToken: the batch is added twice",
        "an applied-batch marker in the same transaction refuses the replay",
    ),
    # Not a flaw of lab 2's answer but what lab 2 fixes: `leda lab check` delivers every
    # Reduce batch twice so that a token which changes between deliveries always shows.
    Fault.REDELIVERED_REDUCE_BATCHES: FaultSpec(
        20,
        "percent of ReduceLambda's batches delivered again within the token's 10 minutes",
        100,
        "lab 1's transaction has no token: the batch is added twice (lab 2's token absorbs it)",
        "the token, and the applied-batch marker",
    ),
    # What `leda redrive` is for: an outage longer than hardened's bounded retries.
    Fault.STATE_WRITE_OUTAGE: FaultSpec(
        20,
        "seconds from the start during which every StateLambda write is throttled",
        600,
        "the workshop's unlimited retries wait the outage out (its shards stall meanwhile)",
        "bisect and 10 retries give the batch up to the on-failure queue: `leda redrive` "
        "delivers it again",
    ),
}
STATE_WRITES = ("UpdateItem", "BatchExecuteStatement", "ExecuteStatement")


def _allowed() -> str:
    return ", ".join(
        f"{fault.value}[=N] (N: {spec.unit}, default {spec.default:g}, at most {spec.high:g})"
        for fault, spec in SPECS.items()
    )


@dataclass(frozen=True)
class FaultPlan:
    amounts: Mapping[Fault, float] = field(default_factory=dict)

    @classmethod
    def parse(cls, values: Sequence[str]) -> FaultPlan:
        amounts: dict[Fault, float] = {}
        for value in values:
            name, _, amount_text = value.partition("=")
            try:
                fault = Fault(name.strip())
            except ValueError:
                raise FaultError(f"unknown failure {name!r}; allowed: {_allowed()}") from None
            spec = SPECS[fault]
            amount = spec.default
            if amount_text.strip():
                try:
                    amount = float(amount_text)
                except ValueError:
                    raise FaultError(
                        f"{value!r}: {amount_text!r} is not a number; allowed: 0-{spec.high:g} "
                        f"({spec.unit})"
                    ) from None
            if not 0 < amount <= spec.high:
                raise FaultError(
                    f"{value!r}: {amount:g} is out of range; allowed: more than 0, at most "
                    f"{spec.high:g} ({spec.unit})"
                )
            if fault is Fault.MALFORMED_RECORDS and not amount.is_integer():
                raise FaultError(f"{value!r}: a number of records is a whole number")
            if fault in amounts:
                raise FaultError(f"--inject {fault.value} is given twice")
            amounts[fault] = amount
        return cls(amounts)

    def __bool__(self) -> bool:
        return bool(self.amounts)

    def share(self, fault: Fault) -> float:
        """The fault's amount as a share (0-1) of the calls or batches it applies to."""
        return self.amounts.get(fault, 0.0) / 100

    @property
    def malformed_per_burst(self) -> int:
        return int(self.amounts.get(Fault.MALFORMED_RECORDS, 0))

    @property
    def reduce_replay_share(self) -> float:
        return self.share(Fault.LATE_REDUCE_REPLAY)

    @property
    def reduce_redelivery_share(self) -> float:
        return self.share(Fault.REDELIVERED_REDUCE_BATCHES)

    def for_worker(
        self, function: str, now: float | None = None, seed: int | None = None
    ) -> dict[str, Any]:
        """What a function's worker does to its calls (leda.faults.hooks), by SAM LogicalId;
        `now` is when the deployment starts (an outage is counted from it); `seed` makes the
        worker's draws repeatable (`--seed`), a stream of their own for each function."""
        settings: dict[str, Any] = {}
        if function == FunctionId.STATE.value and Fault.STATE_WRITE_OUTAGE in self.amounts:
            start = time.time() if now is None else now
            settings["throttle"] = {
                "operations": list(STATE_WRITES),
                "share": 1.0,
                "until": start + self.amounts[Fault.STATE_WRITE_OUTAGE],
            }
        if function == FunctionId.GENERATOR.value and Fault.REFUSED_PUTS in self.amounts:
            settings["refuse_put_records"] = self.share(Fault.REFUSED_PUTS)
        if function == FunctionId.MAP.value and Fault.THROTTLED_MAP_WRITES in self.amounts:
            settings["throttle"] = {
                "operations": ["PutItem"],
                "share": self.share(Fault.THROTTLED_MAP_WRITES),
            }
        if function == FunctionId.REDUCE.value and Fault.LATE_REDUCE_REPLAY in self.amounts:
            settings["forget_tokens_on_replay"] = True
        if settings and seed is not None:
            settings["seed"] = f"{seed}:{function}"
        return settings

    def describe(self) -> list[str]:
        """One line per failure: what it is, what it breaks, what hardened does."""
        return [
            f"{fault.value}={amount:g} ({SPECS[fault].unit}): {SPECS[fault].provokes}; "
            f"hardened: {SPECS[fault].fixed_by}"
            for fault, amount in self.amounts.items()
        ]
