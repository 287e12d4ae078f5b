"""The code paths a pipeline function can take, each chosen by one environment variable.

One artifact serves every lab stage: the stack sets these variables, and which value each
stage gets is the stack's business (its stage table), not the functions'. Each variable is
read when a handler needs it and has no default: a missing or unknown value stops the function
with the variable's name and the values it allows.

- STATE_WRITE (StateLambda): `unconditional`, one UpdateItem per message, so a duplicate or an
  older version rewrites the trade (lab 1); `version-conditional`, the same UpdateItem under
  `attribute_not_exists(id) OR Version < :new_version`, a refusal logged with the workshop's
  line (lab 2); `version-conditional-batched`, the same rule in PartiQL batches of 25 (hardened).
- MAP_WRITE_ERRORS (MapLambda): `return-500`, a failed delta write returns
  `{"statusCode": 500}` as the workshop's code does, which the trigger counts as success (the
  batch is lost); `raise`, the error fails the batch and the trigger retries it (hardened).
- REDUCE_IDEMPOTENCY (ReduceLambda): `none`, a retried batch is added again (lab 1); `token`, a
  ClientRequestToken from the md5 of the batch's records (lab 2: DynamoDB ignores a repeat for
  10 minutes); `token-and-marker`, that and an applied-batch marker in the same transaction,
  which refuses a replay after the 10 minutes too (hardened).
- GENERATOR_REFUSED_RECORDS (GeneratorLambda): `drop`, records PutRecords refuses are counted
  as lost (the workshop's generator ignores them); `resend`, they are sent again until accepted.
"""

from __future__ import annotations

from enum import StrEnum

from leda_lambda import settings

STATE_WRITE = "STATE_WRITE"
MAP_WRITE_ERRORS = "MAP_WRITE_ERRORS"
REDUCE_IDEMPOTENCY = "REDUCE_IDEMPOTENCY"
GENERATOR_REFUSED_RECORDS = "GENERATOR_REFUSED_RECORDS"


class StateWrite(StrEnum):
    UNCONDITIONAL = "unconditional"
    VERSION_CONDITIONAL = "version-conditional"
    VERSION_CONDITIONAL_BATCHED = "version-conditional-batched"


class MapWriteErrors(StrEnum):
    RETURN_500 = "return-500"
    RAISE = "raise"


class ReduceIdempotency(StrEnum):
    NONE = "none"
    TOKEN = "token"
    TOKEN_AND_MARKER = "token-and-marker"


class RefusedRecords(StrEnum):
    DROP = "drop"
    RESEND = "resend"


# Variable -> the values it allows, for the handlers and for the tests that hold the stack's
# stage table to them.
SWITCHES: dict[str, type[StrEnum]] = {
    STATE_WRITE: StateWrite,
    MAP_WRITE_ERRORS: MapWriteErrors,
    REDUCE_IDEMPOTENCY: ReduceIdempotency,
    GENERATOR_REFUSED_RECORDS: RefusedRecords,
}


def state_write() -> StateWrite:
    return settings.choice(STATE_WRITE, StateWrite)


def map_write_errors() -> MapWriteErrors:
    return settings.choice(MAP_WRITE_ERRORS, MapWriteErrors)


def reduce_idempotency() -> ReduceIdempotency:
    return settings.choice(REDUCE_IDEMPOTENCY, ReduceIdempotency)


def refused_records() -> RefusedRecords:
    return settings.choice(GENERATOR_REFUSED_RECORDS, RefusedRecords)
