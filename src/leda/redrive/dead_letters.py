"""Scheduler's dead letters: a reminder (or an expiry) whose target call failed for good.

Redriven by sending now, not by re-creating the schedule: the schedule's time has passed (it
fired, failed its retries and was dead-lettered), and a one-time schedule for a past time is
refused or fires at once anyway, so sending now is the same thing, sooner, and it needs no
schedule left behind to clean up. The call is the one the schedule's universal target makes
(`arn:aws:scheduler:::aws-sdk:<service>:<apiAction>`) with the request it carried.

On AWS the message body is the target's input and the error is in message attributes
(ERROR_CODE, ERROR_MESSAGE, TARGET_ARN, ...); the offline Scheduler also wraps the input with
the schedule's details (`{"targetArn", "input", ...}`). Both are read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

UNIVERSAL_TARGET = re.compile(
    r"arn:aws[a-z-]*:scheduler:::aws-sdk:(?P<service>[a-z0-9]+):(?P<action>\w+)"
)
# The API actions a Leda schedule calls, as the SDK's method names.
SENDABLE = {("ses", "sendEmail"): "send_email", ("dynamodb", "deleteItem"): "delete_item"}


@dataclass(frozen=True)
class FailedTarget:
    target_arn: str
    service: str
    method: str  # the boto3 client method
    request: dict[str, Any]
    error: str

    def describe(self) -> str:
        return f"{self.service}.{self.method} that failed with {self.error}"


def parse_dead_letter(body: str, attributes: Mapping[str, str]) -> FailedTarget | str:
    """The failed call, or why this message is not one that can be sent now."""
    try:
        message: Any = json.loads(body)
    except json.JSONDecodeError:
        return "not JSON, so not a target's input"
    target = attributes.get("TARGET_ARN")
    error = attributes.get("ERROR_CODE") or "an error"
    if isinstance(message, dict) and "targetArn" in message and "input" in message:
        target = str(message["targetArn"])
        error = str(message.get("errorCode") or error)
        try:
            message = json.loads(message["input"])
        except (TypeError, json.JSONDecodeError):
            return "its input is not JSON"
    if not target:
        return "no TARGET_ARN: not a Scheduler dead letter"
    match = UNIVERSAL_TARGET.fullmatch(target)
    if match is None or (match["service"], match["action"]) not in SENDABLE:
        return f"target {target} is not one a Leda schedule calls"
    if not isinstance(message, dict):
        return "its input is not a request object"
    method = SENDABLE[(match["service"], match["action"])]
    return FailedTarget(target, match["service"], method, message, error)
