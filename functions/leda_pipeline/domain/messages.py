"""Risk messages: the JSON on the Kinesis stream and the trade state kept in StateTable.

Values are Decimals end to end: aggregates are sums of thousands of two-decimal numbers, and
binary floats would drift past the workshop's 1e-5 tolerance; DynamoDB stores them exactly.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from leda_lambda.dead_letter import Unprocessable

from leda_pipeline.domain.hierarchy import Hierarchy


class MalformedMessage(Unprocessable):
    """A trade message or stream image no retry can process: a dead letter, with its reason."""


@dataclass(frozen=True, slots=True)
class TradeMessage:
    trade_id: str
    value: Decimal
    version: int
    timestamp: Decimal
    hierarchy: Hierarchy

    def to_json(self) -> str:
        """The wire form the generator sends (field names as in the workshop)."""
        return json.dumps(
            {
                "TradeID": self.trade_id,
                # float() of a Decimal parsed from at most 17 significant digits round-trips
                # through repr, so the receiver's Decimal parse gives back the same number.
                "Value": float(self.value),
                "Version": self.version,
                "Timestamp": float(self.timestamp),
                "Hierarchy": self.hierarchy.as_dict(),
            }
        )


def decode_base64(data: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as error:
        raise MalformedMessage(f"data is not base64: {error}") from None


def _reject_constant(name: str) -> Decimal:
    raise MalformedMessage(f"non-finite number {name}")


def _finite_number(raw: Mapping[str, object], field: str) -> Decimal:
    value = raw.get(field)
    if value is None:
        raise MalformedMessage(f"missing field {field}")
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise MalformedMessage(f"{field} is not a number: {value!r}")
    number = Decimal(value)
    if not number.is_finite():
        raise MalformedMessage(f"{field} is not finite: {value!r}")
    return number


def parse_message(data: bytes) -> TradeMessage:
    """Validate one message; MalformedMessage says exactly what is wrong with it."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedMessage("data is not UTF-8 text") from None
    try:
        raw = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except MalformedMessage:
        raise
    except (json.JSONDecodeError, InvalidOperation) as error:
        raise MalformedMessage(f"data is not JSON: {error}") from None
    if not isinstance(raw, dict):
        raise MalformedMessage(f"message is a JSON {type(raw).__name__}, not an object")
    trade_id = raw.get("TradeID")
    if not isinstance(trade_id, str) or not trade_id.strip():
        raise MalformedMessage(f"TradeID is missing or not a non-empty string: {trade_id!r}")
    value = _finite_number(raw, "Value")
    version = _finite_number(raw, "Version")
    if version != version.to_integral_value():
        raise MalformedMessage(f"Version is not an integer: {version}")
    timestamp = _finite_number(raw, "Timestamp")
    try:
        hierarchy = Hierarchy.from_mapping(raw.get("Hierarchy"))
    except ValueError as error:
        raise MalformedMessage(str(error)) from None
    return TradeMessage(trade_id, value, int(version), timestamp, hierarchy)


@dataclass(frozen=True, slots=True)
class TradeState:
    """A StateTable item: the latest known version of one trade."""

    trade_id: str
    value: Decimal
    version: int
    hierarchy: Hierarchy
    timestamp: Decimal

    @classmethod
    def of(cls, message: TradeMessage) -> TradeState:
        return cls(
            message.trade_id, message.value, message.version, message.hierarchy, message.timestamp
        )

    def to_item(self) -> dict[str, object]:
        """Attribute values as StateTable stores them (Hierarchy as JSON text, sorted keys)."""
        return {
            "id": self.trade_id,
            "Value": self.value,
            "Version": self.version,
            "Hierarchy": json.dumps(self.hierarchy.as_dict(), sort_keys=True),
            "Timestamp": self.timestamp,
        }

    @classmethod
    def from_item(cls, item: Mapping[str, object]) -> TradeState:
        """Read a stream image back; MalformedMessage if it was not written by StateLambda."""
        try:
            hierarchy_text = item["Hierarchy"]
            if not isinstance(hierarchy_text, str):
                raise MalformedMessage("Hierarchy is not JSON text")
            hierarchy = Hierarchy.from_mapping(json.loads(hierarchy_text))
            trade_id = item["id"]
            if not isinstance(trade_id, str):
                raise MalformedMessage("id is not a string")
            value = _finite_number(item, "Value")
            version = _finite_number(item, "Version")
            timestamp = _finite_number(item, "Timestamp")
        except KeyError as missing:
            raise MalformedMessage(f"state image lacks {missing}") from None
        except (ValueError, TypeError) as error:
            if isinstance(error, MalformedMessage):
                raise
            raise MalformedMessage(f"state image is invalid: {error}") from None
        return cls(trade_id, value, int(version), hierarchy, timestamp)
