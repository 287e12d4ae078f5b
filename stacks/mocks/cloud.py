"""Pulumi mocks that answer like AWS would: physical names, ARNs, stream ARNs and queue URLs.

Pulumi's mock monitor does no auto-naming and computes no attribute, so whatever the program
reads back (a table's `streamArn`, a queue's `url`, a role's `arn`) must come from here, or it
silently resolves to nothing. Every resource of the program is named explicitly, so the answers
follow from the name, the region and a fixed account. (The reminders' policies read the account
and region back from the schedule group's ARN, so that one matters too.)
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pulumi

ACCOUNT = "123456789012"
# DynamoDB gives each stream a timestamp label; any fixed label does offline.
STREAM_LABEL = "2026-01-01T00:00:00.000"
CREATED = "2026-01-01T00:00:00Z"  # a fixed creation time, where AWS reports one
_ESM_NAMESPACE = uuid.UUID("6f1c1b8e-6a7e-4d7c-9a55-1e2d3c4b5a69")

# (type, logical name, inputs, computed attributes, custom) of each registration.
Recorder = Callable[[str, str, dict[str, Any], dict[str, Any], bool], None]


def computed(typ: str, name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    """The attributes AWS would compute for a resource (always including `id`)."""
    arn = f"arn:aws:{{service}}:{region}:{ACCOUNT}:{{path}}"
    if typ == "aws:dynamodb/table:Table":
        table_arn = arn.format(service="dynamodb", path=f"table/{name}")
        enabled = bool(inputs.get("streamEnabled"))
        return {
            "id": name,
            "arn": table_arn,
            "streamArn": f"{table_arn}/stream/{STREAM_LABEL}" if enabled else "",
            "streamLabel": STREAM_LABEL if enabled else "",
        }
    if typ == "aws:kinesis/stream:Stream":
        stream_arn = arn.format(service="kinesis", path=f"stream/{name}")
        return {"id": stream_arn, "arn": stream_arn}
    if typ == "aws:sqs/queue:Queue":
        url = f"https://sqs.{region}.amazonaws.com/{ACCOUNT}/{name}"
        return {"id": url, "url": url, "arn": arn.format(service="sqs", path=name)}
    if typ == "aws:lambda/function:Function":
        function_arn = arn.format(service="lambda", path=f"function:{name}")
        return {
            "id": name,
            "arn": function_arn,
            "qualifiedArn": f"{function_arn}:$LATEST",
            "invokeArn": (
                f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/"
                f"{function_arn}/invocations"
            ),
            "version": "$LATEST",
        }
    if typ == "aws:iam/role:Role":
        return {"id": name, "arn": f"arn:aws:iam::{ACCOUNT}:role/{name}", "uniqueId": name}
    if typ == "aws:iam/rolePolicy:RolePolicy":
        return {"id": f"{inputs.get('role')}:{name}"}
    if typ == "aws:cloudwatch/logGroup:LogGroup":
        return {"id": name, "arn": arn.format(service="logs", path=f"log-group:{name}")}
    if typ == "aws:cloudwatch/eventRule:EventRule":
        return {"id": name, "arn": arn.format(service="events", path=f"rule/{name}")}
    if typ == "aws:lambda/eventSourceMapping:EventSourceMapping":
        mapping = str(uuid.uuid5(_ESM_NAMESPACE, name))
        return {
            "id": mapping,
            "uuid": mapping,
            "arn": arn.format(service="lambda", path=f"event-source-mapping:{mapping}"),
            "state": "Enabled",
        }
    if typ == "aws:lambda/permission:Permission":
        return {"id": str(inputs.get("statementId", name))}
    if typ == "aws:cloudwatch/eventTarget:EventTarget":
        return {"id": f"{inputs.get('rule')}-{inputs.get('targetId')}"}
    if typ == "aws:scheduler/scheduleGroup:ScheduleGroup":
        return {
            "id": name,
            "arn": arn.format(service="scheduler", path=f"schedule-group/{name}"),
            "state": "ACTIVE",
            "creationDate": CREATED,
            "lastModificationDate": CREATED,
        }
    return {"id": name}


class MockCloud(pulumi.runtime.Mocks):
    """Answers resource registrations; every registration is handed to `record`."""

    def __init__(self, region: str, record: Recorder) -> None:
        self._region = region
        self._record = record

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        physical = str(inputs.get("name") or args.name)
        extra = computed(args.typ, physical, inputs, self._region) if args.custom else {"id": ""}
        resource_id = str(extra.pop("id"))
        state = {**inputs, **extra}
        self._record(args.typ, args.name, inputs, {"id": resource_id, **extra}, bool(args.custom))
        return resource_id, state

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        # The program makes no provider calls (no account lookups), so the offline runtime never
        # has to answer one; a new one should be a conscious decision.
        raise NotImplementedError(f"the program called {args.token}; the mocks answer no calls")
