"""Universal targets: the API call a schedule makes when it fires, made with boto3.

`arn:aws:scheduler:::aws-sdk:<service>:<apiAction>` with the API's request as `Input` maps onto
a boto3 client of that service and the method botocore names after the operation, so no
service is special-cased here: what the emulators serve (SES and SQS on moto's server, DynamoDB
on DynamoDB Local) can be a target.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from botocore import xform_name
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    ParamValidationError,
)

from leda.iam.refusals import Refusal
from leda.scheduler.rules import OneTimeSchedule, Refused

# (role ARN, service, operation, request) -> the refusal IAM would give, or None: the
# Scheduler calls a target with the schedule's role, so the role's policies decide the call.
Authorize = Callable[[str, str, str, Mapping[str, Any]], Refusal | None]

# Errors a target answers that are worth retrying: the service said "not now", not "no".
RETRYABLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
        "ServiceUnavailable",
        "InternalFailure",
        "InternalServerError",
    }
)


class TargetFailure(Exception):
    """The target's call failed; `retryable` says whether another attempt may help."""

    def __init__(self, code: str, message: str, retryable: bool) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = retryable


def operation(client: Any, action: str) -> str:
    """`sendEmail` -> `SendEmail`, checked against the service's model."""
    name = action[:1].upper() + action[1:]
    if name not in client.meta.service_model.operation_names:
        raise Refused(f"{client.meta.service_model.service_name} has no operation {action!r}")
    return name


def invoke(
    clients: Mapping[str, Any], schedule: OneTimeSchedule, authorize: Authorize | None = None
) -> dict[str, Any]:
    """Make the target's call once; TargetFailure says whether another attempt may help."""
    client = clients.get(schedule.service)
    if client is None:
        raise TargetFailure(
            "ServiceNotServedOffline",
            f"{schedule.service} is not served offline (served: {', '.join(sorted(clients))})",
            retryable=False,
        )
    try:
        name = operation(client, schedule.action)
    except Refused as refused:
        raise TargetFailure("ValidationException", str(refused), retryable=False) from None
    if authorize is not None:
        refusal = authorize(schedule.role_arn, schedule.service, name, schedule.request)
        if refusal is not None:
            raise TargetFailure(refusal.code, refusal.message, retryable=False)
    method = getattr(client, xform_name(name))
    try:
        response: dict[str, Any] = method(**schedule.request)
    except ParamValidationError as error:
        raise TargetFailure("ValidationException", str(error), retryable=False) from None
    except ClientError as error:
        details = error.response.get("Error", {})
        code = str(details.get("Code", "Unknown"))
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
        raise TargetFailure(
            code, str(details.get("Message", "")), code in RETRYABLE_CODES or status >= 500
        ) from None
    except (ConnectionError, BotoCoreError) as error:
        raise TargetFailure(type(error).__name__, str(error), retryable=True) from None
    return response
