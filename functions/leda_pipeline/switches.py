"""The code paths a pipeline function can take, each chosen by one environment variable.

One artifact serves every lab stage: the stack sets these variables, and which value each
stage gets is the stack's business (its stage table), not the functions'. Each variable is
read when a handler needs it and has no default: a missing or unknown value stops the function
with the variable's name and the values it allows.

- STATE_WRITE (StateLambda): `unconditional`, one UpdateItem per message, so a duplicate or an
  older version rewrites the trade; `version-conditional`, only a newer version is written.
- REDUCE_IDEMPOTENCY (ReduceLambda): `none`, a retried batch is added again;
  `token-and-marker`, a ClientRequestToken from the batch (DynamoDB ignores a repeat for 10
  minutes) and an applied-batch marker in the same transaction (refuses a later replay).
- GENERATOR_REFUSED_RECORDS (GeneratorLambda): `drop`, records PutRecords refuses are counted
  as lost; `resend`, they are sent again until accepted.
"""

from __future__ import annotations

from enum import StrEnum

from leda_lambda import settings

STATE_WRITE = "STATE_WRITE"
REDUCE_IDEMPOTENCY = "REDUCE_IDEMPOTENCY"
GENERATOR_REFUSED_RECORDS = "GENERATOR_REFUSED_RECORDS"


class StateWrite(StrEnum):
    UNCONDITIONAL = "unconditional"
    VERSION_CONDITIONAL = "version-conditional"


class ReduceIdempotency(StrEnum):
    NONE = "none"
    TOKEN_AND_MARKER = "token-and-marker"


class RefusedRecords(StrEnum):
    DROP = "drop"
    RESEND = "resend"


# Variable -> the values it allows, for the handlers and for the tests that hold the stack's
# stage table to them.
SWITCHES: dict[str, type[StrEnum]] = {
    STATE_WRITE: StateWrite,
    REDUCE_IDEMPOTENCY: ReduceIdempotency,
    GENERATOR_REFUSED_RECORDS: RefusedRecords,
}


def state_write() -> StateWrite:
    return settings.choice(STATE_WRITE, StateWrite)


def reduce_idempotency() -> ReduceIdempotency:
    return settings.choice(REDUCE_IDEMPOTENCY, ReduceIdempotency)


def refused_records() -> RefusedRecords:
    return settings.choice(GENERATOR_REFUSED_RECORDS, RefusedRecords)
