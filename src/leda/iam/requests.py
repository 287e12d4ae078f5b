"""Which IAM actions, on which resources, with which condition keys, an API call needs.

Hand-written because it is the part no library holds: a service's authorization map from API
operations and their parameters to IAM actions and resource ARNs lives inside the service. Each
entry follows the Service Authorization Reference for its service (and `parliament`'s copy of
it checks, in the tests, that every action exists and that every ARN built here has the format
of a resource type the action accepts). A call with no entry is refused, never allowed: an
unmapped operation offline would otherwise be more lenient than AWS.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from leda.iam.policy import Request


class Unmapped(LookupError):
    """A call this offline IAM does not know how to authorize: refused, with this reason."""


@dataclass(frozen=True)
class Place:
    """Where the stack lives: the region and account its ARNs carry."""

    region: str
    account: str

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"

    def table(self, name_or_arn: str) -> str:
        if name_or_arn.startswith("arn:"):
            return name_or_arn
        return self.arn("dynamodb", f"table/{name_or_arn}")


Mapper = Callable[[Mapping[str, Any], Place], list[Request]]


def _on_table(action: str) -> Mapper:
    def requests(params: Mapping[str, Any], place: Place) -> list[Request]:
        table = place.table(params["TableName"])
        index = params.get("IndexName")
        return [Request(f"dynamodb:{action}", f"{table}/index/{index}" if index else table)]

    return requests


def _each_table(action: str, key: str) -> Mapper:
    def requests(params: Mapping[str, Any], place: Place) -> list[Request]:
        return [Request(f"dynamodb:{action}", place.table(t)) for t in params.get(key, {})]

    return requests


# TransactWriteItems has no IAM action of its own: each item is authorized as the single-item
# action it performs.
_TRANSACT_ACTIONS = {
    "ConditionCheck": "ConditionCheckItem",
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "Get": "GetItem",
}


def _transaction(params: Mapping[str, Any], place: Place) -> list[Request]:
    requests: list[Request] = []
    for item in params.get("TransactItems", []):
        for kind, body in item.items():
            action = _TRANSACT_ACTIONS.get(kind)
            if action is None:
                raise Unmapped(f"transaction item {kind!r} is not known")
            requests.append(Request(f"dynamodb:{action}", place.table(body["TableName"])))
    return requests


# PartiQL: the statement's verb names the action, its target the table (optionally quoted,
# optionally with an index after a dot).
_PARTIQL_VERBS = {
    "SELECT": "PartiQLSelect",
    "INSERT": "PartiQLInsert",
    "UPDATE": "PartiQLUpdate",
    "DELETE": "PartiQLDelete",
}
_PARTIQL_TARGET = re.compile(
    r"^\s*(?:(?P<verb>UPDATE)\s+|(?P<verb2>INSERT)\s+INTO\s+|(?P<verb3>DELETE)\s+FROM\s+|"
    r'(?P<verb4>SELECT)\s+.+?\s+FROM\s+)(?P<target>"(?:[^"]|"")+"(?:\."(?:[^"]|"")+")?|[A-Za-z0-9_.-]+)',
    re.IGNORECASE | re.DOTALL,
)


def partiql_request(statement: str, place: Place) -> Request:
    match = _PARTIQL_TARGET.match(statement)
    if match is None:
        raise Unmapped(f"PartiQL statement not understood: {statement[:80]!r}")
    verb = next(v for v in match.group("verb", "verb2", "verb3", "verb4") if v).upper()
    target = match.group("target")
    if target.startswith('"'):
        table, _, index = target[1:-1].replace('""', '"').partition('"."')
    else:
        table, _, index = target.partition(".")
    resource = place.table(table) + (f"/index/{index}" if index else "")
    return Request(f"dynamodb:{_PARTIQL_VERBS[verb]}", resource)


def _statement(params: Mapping[str, Any], place: Place) -> list[Request]:
    return [partiql_request(params["Statement"], place)]


def _statements(params: Mapping[str, Any], place: Place) -> list[Request]:
    return [partiql_request(s["Statement"], place) for s in params.get("Statements", [])]


def _stream(action: str) -> Mapper:
    def requests(params: Mapping[str, Any], place: Place) -> list[Request]:
        arn = params.get("StreamARN") or place.arn("kinesis", f"stream/{params['StreamName']}")
        return [Request(f"kinesis:{action}", arn)]

    return requests


def queue_arn(url: str, place: Place) -> str:
    """A queue URL's last path segment is the queue's name (`https://host/<account>/<name>`)."""
    name = urlparse(url).path.rstrip("/").rsplit("/", 1)[-1]
    return place.arn("sqs", name)


def _queue(action: str) -> Mapper:
    def requests(params: Mapping[str, Any], place: Place) -> list[Request]:
        return [Request(f"sqs:{action}", queue_arn(params["QueueUrl"], place))]

    return requests


def _queue_by_name(params: Mapping[str, Any], place: Place) -> list[Request]:
    return [Request("sqs:GetQueueUrl", place.arn("sqs", params["QueueName"]))]


SCHEDULER_SERVICE = "scheduler.amazonaws.com"


def _schedule(action: str, passes_role: bool) -> Mapper:
    def requests(params: Mapping[str, Any], place: Place) -> list[Request]:
        group = params.get("GroupName") or "default"
        arn = place.arn("scheduler", f"schedule/{group}/{params['Name']}")
        found = [Request(f"scheduler:{action}", arn)]
        role = (params.get("Target") or {}).get("RoleArn")
        if passes_role and role:
            found.append(
                Request("iam:PassRole", role, {"iam:PassedToService": [SCHEDULER_SERVICE]})
            )
        return found

    return requests


def _send_email(params: Mapping[str, Any], place: Place) -> list[Request]:
    """SES authorizes a send against the sender's identity, with ses:FromAddress its address.
    (In the sandbox it checks the recipients' identities too; the stack's grant covers both.)"""
    source = str(params.get("Source", ""))
    address = source.rsplit("<", 1)[-1].rstrip(">").strip()
    return [
        Request(
            "ses:SendEmail", place.arn("ses", f"identity/{address}"), {"ses:FromAddress": [address]}
        )
    ]


# (service, operation) -> what it needs. Service names are boto3's client names.
_MAP: dict[tuple[str, str], Mapper] = {
    **{
        ("dynamodb", op): _on_table(op)
        for op in (
            "GetItem",
            "PutItem",
            "UpdateItem",
            "DeleteItem",
            "Query",
            "Scan",
            "DescribeTable",
            "DescribeTimeToLive",
        )
    },
    ("dynamodb", "BatchGetItem"): _each_table("BatchGetItem", "RequestItems"),
    ("dynamodb", "BatchWriteItem"): _each_table("BatchWriteItem", "RequestItems"),
    ("dynamodb", "TransactWriteItems"): _transaction,
    ("dynamodb", "TransactGetItems"): _transaction,
    ("dynamodb", "ExecuteStatement"): _statement,
    ("dynamodb", "BatchExecuteStatement"): _statements,
    ("kinesis", "PutRecord"): _stream("PutRecord"),
    ("kinesis", "PutRecords"): _stream("PutRecords"),
    ("kinesis", "DescribeStreamSummary"): _stream("DescribeStreamSummary"),
    ("sqs", "SendMessage"): _queue("SendMessage"),
    # SendMessageBatch is authorized as sqs:SendMessage (there is no batch action).
    ("sqs", "SendMessageBatch"): _queue("SendMessage"),
    ("sqs", "ReceiveMessage"): _queue("ReceiveMessage"),
    ("sqs", "DeleteMessage"): _queue("DeleteMessage"),
    ("sqs", "DeleteMessageBatch"): _queue("DeleteMessage"),
    ("sqs", "GetQueueAttributes"): _queue("GetQueueAttributes"),
    ("sqs", "GetQueueUrl"): _queue_by_name,
    ("scheduler", "CreateSchedule"): _schedule("CreateSchedule", passes_role=True),
    ("scheduler", "UpdateSchedule"): _schedule("UpdateSchedule", passes_role=True),
    ("scheduler", "DeleteSchedule"): _schedule("DeleteSchedule", passes_role=False),
    ("scheduler", "GetSchedule"): _schedule("GetSchedule", passes_role=False),
    ("ses", "SendEmail"): _send_email,
}


def requests_for(
    service: str, operation: str, params: Mapping[str, Any], place: Place
) -> list[Request]:
    """Every authorization the call needs; all must be allowed for it to go through."""
    mapper = _MAP.get((service, operation))
    if mapper is None:
        raise Unmapped(
            f"{service}:{operation} has no IAM mapping offline, so it is refused; "
            "add it to src/leda/iam/requests.py"
        )
    try:
        return mapper(params, place)
    except KeyError as missing:
        raise Unmapped(f"{service}:{operation} lacks {missing} to authorize it") from None


def known_operations() -> Iterable[tuple[str, str]]:
    return _MAP.keys()
