"""Stable identities for a trigger batch.

A retried batch has the same records in the same order, so a digest of its record identifiers
names the batch across retries. That is what makes Map's conditional put and Reduce's
transaction idempotent per batch, and why their triggers must never split or reorder a batch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any


def _joined(record_ids: Sequence[str]) -> bytes:
    if not record_ids:
        raise ValueError("a batch has at least one record")
    return "\n".join(record_ids).encode("utf-8")


def batch_digest(record_ids: Sequence[str]) -> str:
    """SHA-256 hex (64 characters): ReduceTable's MessageId and Reduce's applied-batch marker."""
    return hashlib.sha256(_joined(record_ids)).hexdigest()


def request_token(record_ids: Sequence[str]) -> str:
    """MD5 hex (32 characters): a ClientRequestToken is 1-36 characters; SHA-256 hex won't fit."""
    return hashlib.md5(_joined(record_ids), usedforsecurity=False).hexdigest()


def records_token(records: Sequence[Mapping[str, Any]]) -> str:
    """Lab 2's ClientRequestToken: the MD5 hex of the batch's records as the function got them.

    The workshop hashes `str(records)`, Python's repr of the list of dicts, which depends on the
    order of each dict's keys. Here the records are serialised as JSON with sorted keys and no
    spaces, so the same batch gives the same token whoever parsed it; a retry, which hands over
    the same records, gets the same token.
    """
    if not records:
        raise ValueError("a batch has at least one record")
    text = json.dumps(list(records), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()
