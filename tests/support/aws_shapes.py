"""Comparing what the trigger engine produces with AWS's documented shapes (the fixtures in
tests/triggers/fixtures, whose README gives their sources), and reading DynamoDB images back the
way boto3 reads them from AWS.

`assert_shaped_like(captured, fixture)` checks, at every level: the same keys; the same JSON type
for every value (bool, integer, number with a fraction, string, null); and for strings, the
format the fixture's value has: an ISO 8601 UTC time with milliseconds and `Z`, or with whole
seconds and `Z`; a UUID; an ARN of the same service with a real region name (or none, as IAM);
a region name; a Kinesis eventID (`shardId-...:<sequence number>`). Sequence numbers must be
decimal digits, Kinesis `data` base64. Under Keys, NewImage and OldImage every value must be a
DynamoDB attribute value in JSON wire form (binary as base64 text); the attribute names are the
item's own, so they are compared only when `same_items` is set.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import botocore.parsers
import botocore.session
from boto3.dynamodb.types import TypeDeserializer

FIXTURES = Path(__file__).resolve().parents[1] / "triggers" / "fixtures"

REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d")
FORMATS: dict[str, re.Pattern[str]] = {
    "UTC time with milliseconds and Z": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"),
    "UTC time in whole seconds and Z": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"),
    "UUID": re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
    "Kinesis eventID": re.compile(r"shardId-\d{12}:\d+"),
    "region": REGION,
}
ARN = re.compile(r"arn:aws[a-z-]*:(?P<service>[a-z0-9-]+):(?P<region>[^:]*):(\d{12})?:.+")
SEQUENCE_KEYS = {"sequenceNumber", "SequenceNumber", "startSequenceNumber", "endSequenceNumber"}
BASE64_KEYS = {"data"}  # Kinesis record data
IMAGE_KEYS = {"Keys", "NewImage", "OldImage"}
# Fields whose value is the same in every event of a kind.
CONSTANT_KEYS = {
    "eventSource",
    "eventVersion",
    "kinesisSchemaVersion",
    "version",
    "executedVersion",
    "statusCode",
    "StreamViewType",
}
NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return loaded


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number with a fraction"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return f"not JSON ({type(value).__name__})"


def is_base64(text: Any) -> bool:
    if not isinstance(text, str):
        return False
    try:
        return base64.b64encode(base64.b64decode(text, validate=True)).decode() == text
    except (binascii.Error, ValueError):
        return False


def _string_format(value: str) -> str | None:
    for name, pattern in FORMATS.items():
        if pattern.fullmatch(value):
            return name
    if ARN.fullmatch(value):
        return "ARN"
    return None


def _check_string(path: str, key: str, value: str, expected: str, problems: list[str]) -> None:
    if key in CONSTANT_KEYS and value != expected:
        problems.append(f"{path}: {value!r}, AWS sends {expected!r}")
    if key in SEQUENCE_KEYS and not value.isdigit():
        problems.append(f"{path}: {value!r} is not a sequence number (decimal digits)")
    if key in BASE64_KEYS and not is_base64(value):
        problems.append(f"{path}: {value!r} is not base64")
    kind = _string_format(expected)
    if kind == "ARN":
        want, got = ARN.fullmatch(expected), ARN.fullmatch(value)
        assert want is not None
        if got is None:
            problems.append(f"{path}: {value!r} is not an ARN")
        elif got["service"] != want["service"]:
            problems.append(f"{path}: {value!r} is not a {want['service']} ARN")
        elif bool(got["region"]) != bool(want["region"]) or (
            got["region"] and not REGION.fullmatch(got["region"])
        ):
            problems.append(f"{path}: {value!r} has region {got['region']!r}, not a region name")
    elif kind is not None and not FORMATS[kind].fullmatch(value):
        problems.append(f"{path}: {value!r} is not a {kind} (AWS: {expected!r})")


def attribute_value_problems(path: str, value: Any) -> list[str]:
    """Why `value` is not a DynamoDB attribute value in JSON wire form (empty: it is one)."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return [f"{path}: {value!r} is not an attribute value (one type descriptor)"]
    [(kind, member)] = value.items()
    where = f"{path}.{kind}"
    checks: dict[str, bool] = {
        "S": isinstance(member, str),
        "N": isinstance(member, str) and bool(NUMBER.fullmatch(member)),
        "B": is_base64(member),
        "BOOL": isinstance(member, bool),
        "NULL": member is True,
        "SS": isinstance(member, list) and all(isinstance(m, str) for m in member),
        "NS": isinstance(member, list)
        and all(isinstance(m, str) and NUMBER.fullmatch(m) for m in member),
        "BS": isinstance(member, list) and all(is_base64(m) for m in member),
        "M": isinstance(member, Mapping),
        "L": isinstance(member, list),
    }
    if kind not in checks:
        return [f"{where}: not a DynamoDB type"]
    if not checks[kind]:
        return [f"{where}: {member!r} is not what AWS sends for {kind}"]
    if kind == "M":
        return [p for k, v in member.items() for p in attribute_value_problems(f"{where}.{k}", v)]
    if kind == "L":
        return [
            p for i, v in enumerate(member) for p in attribute_value_problems(f"{where}[{i}]", v)
        ]
    return []


def shape_problems(
    captured: Any, expected: Any, path: str = "$", key: str = "", same_items: bool = False
) -> list[str]:
    problems: list[str] = []
    if key in IMAGE_KEYS and isinstance(captured, Mapping) and not same_items:
        for name, value in captured.items():
            problems.extend(attribute_value_problems(f"{path}.{name}", value))
        return problems
    if _json_type(captured) != _json_type(expected):
        return [f"{path}: {_json_type(captured)} {captured!r}, AWS sends {_json_type(expected)}"]
    if isinstance(expected, Mapping):
        missing, extra = set(expected) - set(captured), set(captured) - set(expected)
        if missing:
            problems.append(f"{path}: missing {sorted(missing)}")
        if extra:
            problems.append(f"{path}: not sent by AWS: {sorted(extra)}")
        for name in set(expected) & set(captured):
            problems.extend(
                shape_problems(captured[name], expected[name], f"{path}.{name}", name, same_items)
            )
    elif isinstance(expected, list):
        if expected:
            for index, item in enumerate(captured):
                sample = expected[min(index, len(expected) - 1)]
                problems.extend(shape_problems(item, sample, f"{path}[{index}]", key, same_items))
    elif isinstance(expected, str):
        _check_string(path, key, captured, expected, problems)
        if key in ("B", "BS") and not is_base64(captured):
            problems.append(f"{path}: {captured!r} is not base64")
    return problems


def assert_shaped_like(captured: Any, expected: Any, same_items: bool = False) -> None:
    """`captured` has AWS's shape: see the module's docstring."""
    problems = shape_problems(captured, expected, same_items=same_items)
    assert not problems, "not as AWS sends it:\n  " + "\n  ".join(problems)


# --- reading images back as boto3 reads them from AWS -------------------------------------


def parse_stream_record(body: Mapping[str, Any]) -> dict[str, Any]:
    """A record's `dynamodb` body read with botocore's own parser for the DynamoDB Streams API
    (GetRecords' output, JSON protocol), as boto3 reads the service's answer: base64 binary
    becomes bytes, the creation time a datetime. Raises if the body is not the wire form."""
    model = botocore.session.get_session().get_service_model("dynamodbstreams")
    output = model.operation_model("GetRecords").output_shape
    assert output is not None
    parser = botocore.parsers.create_parser(model.metadata["protocol"])
    body_bytes = json.dumps({"Records": [{"dynamodb": body}]}).encode()
    parsed = parser.parse({"status_code": 200, "headers": {}, "body": body_bytes}, output)
    record: dict[str, Any] = parsed["Records"][0]["dynamodb"]
    return record


def python_image(image: Mapping[str, Any]) -> dict[str, Any]:
    """An image from parse_stream_record as Python values, by boto3's TypeDeserializer: S str,
    N Decimal, B Binary, BOOL bool, NULL None, M dict, L list, SS/NS/BS sets."""
    deserializer = TypeDeserializer()
    return {name: deserializer.deserialize(value) for name, value in image.items()}


def fixture_items(record: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A fixture record's images as Python values (what a test writes to a table)."""
    parsed = parse_stream_record(record["dynamodb"])
    return {name: python_image(parsed[name]) for name in IMAGE_KEYS if name in parsed}
