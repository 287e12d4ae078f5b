"""How each service says "access denied", so a refusal offline reads as it does on AWS.

The message is IAM's, the same everywhere: `User: <principal> is not authorized to perform:
<action> on resource: <arn> because no identity-based policy allows the <action> action` (or
`with an explicit deny in an identity-based policy` when a Deny matched). The error code and
HTTP status are the service's: DynamoDB and Kinesis (JSON protocols) answer 400
`AccessDeniedException`; SQS answers 403 `AccessDenied` and writes the action in lower case;
EventBridge Scheduler answers 403 `AccessDeniedException`; SES (query protocol) 403
`AccessDenied`. A call this runtime cannot map is refused with the same code and our own
reason, never allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

from leda.iam.policy import Decision, Request

# service -> (error code, HTTP status)
_SHAPES: dict[str, tuple[str, int]] = {
    "dynamodb": ("AccessDeniedException", 400),
    "dynamodbstreams": ("AccessDeniedException", 400),
    "kinesis": ("AccessDeniedException", 400),
    "sqs": ("AccessDenied", 403),
    "scheduler": ("AccessDeniedException", 403),
    "ses": ("AccessDenied", 403),
}


@dataclass(frozen=True)
class Refusal:
    service: str
    code: str
    status: int
    message: str


def principal(role_arn: str, session: str) -> str:
    """The assumed-role session a Lambda function calls as: `arn:aws:sts::<account>:
    assumed-role/<role name>/<function name>`."""
    _, _, _, _, account, resource = role_arn.split(":", 5)
    return f"arn:aws:sts::{account}:assumed-role/{resource.rsplit('/', 1)[-1]}/{session}"


def denied(service: str, caller: str, request: Request, decision: Decision) -> Refusal:
    action = request.action.lower() if service == "sqs" else request.action
    why = (
        "with an explicit deny in an identity-based policy"
        if decision is Decision.EXPLICIT_DENY
        else f"because no identity-based policy allows the {action} action"
    )
    code, status = _SHAPES.get(service, ("AccessDeniedException", 403))
    message = (
        f"User: {caller} is not authorized to perform: {action} on resource: "
        f"{request.resource} {why}"
    )
    return Refusal(service, code, status, message)


def unmapped(service: str, reason: str) -> Refusal:
    code, status = _SHAPES.get(service, ("AccessDeniedException", 403))
    return Refusal(service, code, status, f"Refused offline: {reason}")
