"""The stack's roles, each with its policies: who may do what, for the whole deployment.

The function workers get their own role's Identity (and decide their calls themselves, see
guard.py); the trigger engine asks here when it creates a mapping, and the offline Scheduler
when it calls a target or sends a dead letter with a schedule's role.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from leda.iam.guard import Guard, Identity, note
from leda.iam.policy import Decision, Policy, Request, decide
from leda.iam.refusals import Refusal
from leda.iam.requests import Place

# What Lambda checks when it creates a stream mapping (the actions its refusal names), by
# source kind: every action of the first group, and one of the second (Kinesis lists shards with
# either). A table stream's actions are DynamoDB's, on the stream's ARN.
STREAM_READ_ACTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "kinesis": (
        ("kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream"),
        ("kinesis:ListShards", "kinesis:ListStreams"),
    ),
    # Not ListStreams, though Lambda's message names it: that action takes no resource, so the
    # workshop's grant of it on `table/ReduceTable/stream/*` allows nothing on AWS (parliament
    # flags it), and yet the workshop's trigger is created there.
    "dynamodb": (
        ("dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream"),
        (),
    ),
}
# CreateEventSourceMapping's own words (InvalidParameterValueException), as AWS prints them.
_CANNOT_ACCESS = {
    "kinesis": "Cannot access stream {arn}. Please ensure the role can perform the GetRecords, "
    "GetShardIterator, DescribeStream, ListShards, and ListStreams Actions on your stream in IAM.",
    "dynamodb": "Cannot access stream {arn}. Please ensure the role can perform the GetRecords, "
    "GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.",
}
# Not captured from AWS (no account here): Lambda refuses an on-failure destination its role
# cannot send to; this is our wording of that refusal.
_CANNOT_SEND = (
    "The provided execution role does not have permissions to call SendMessage on SQS "
    "(destination {arn})"
)


@dataclass(frozen=True)
class RoleBook:
    roles: Mapping[str, tuple[Policy, ...]]  # role ARN -> its identity-based policies
    place: Place
    journal: str | None = None  # see Identity.journal

    @classmethod
    def parse(
        cls,
        documents: Mapping[str, Mapping[str, str]],
        place: Place,
        journal: str | None = None,
    ) -> RoleBook:
        """`documents`: role ARN -> inline policy name -> policy JSON."""
        return cls(
            {
                arn: tuple(Policy.parse(name, text) for name, text in policies.items())
                for arn, policies in documents.items()
            },
            place,
            journal,
        )

    def identity(self, role_arn: str, session: str) -> Identity:
        return Identity(role_arn, session, self.roles.get(role_arn, ()), self.place, self.journal)

    def allows(self, role_arn: str, action: str, resource: str) -> bool:
        """Asked by the trigger engine (as Lambda, for the function's role)."""
        identity = self.identity(role_arn, "lambda")
        request = Request(action, resource)
        decision = decide(identity.policies, request)
        if self.journal:
            note(self.journal, identity, request, decision)
        return decision is Decision.ALLOW

    def mapping_refusal(
        self, role_arn: str, source_kind: str, source_arn: str, destination_arn: str | None
    ) -> str | None:
        """Lambda's InvalidParameterValueException message, or None if the mapping may be made."""
        every, one_of = STREAM_READ_ACTIONS[source_kind]
        readable = all(self.allows(role_arn, action, source_arn) for action in every) and (
            not one_of or any(self.allows(role_arn, action, source_arn) for action in one_of)
        )
        if not readable:
            return _CANNOT_ACCESS[source_kind].format(arn=source_arn)
        if destination_arn and not self.allows(role_arn, "sqs:SendMessage", destination_arn):
            return _CANNOT_SEND.format(arn=destination_arn)
        return None

    def authorize(
        self, role_arn: str, service: str, operation: str, params: Mapping[str, Any]
    ) -> Refusal | None:
        """A call made with a role by a service on the stack's behalf (the Scheduler)."""
        return Guard(self.identity(role_arn, "scheduler")).authorize(service, operation, params)
