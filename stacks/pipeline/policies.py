"""Least-privilege policy documents: the stage model's grants on this participant's ARNs.

Every statement names its actions one by one and the ARN of one resource. The only wildcards
are the ones `stacks/iam.py` explains: a DynamoDB stream's label and the log streams of the
function's own log group.

No KMS statement is needed: the Kinesis stream uses the AWS-managed key (`alias/aws/kinesis`,
whose key policy allows any principal of the account through Kinesis) and the queues use
SQS-managed encryption.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from stacks.iam import LOG_ACTIONS, log_stream_arn, stream_records_arn
from stacks.stage_model import Grant, Target


def document(
    grants: Sequence[Grant], arns: Mapping[Target, str], log_group_arn: str
) -> dict[str, Any]:
    """The policy of one function's role, from resolved ARNs."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": list(LOG_ACTIONS),
            "Resource": [log_group_arn, log_stream_arn(log_group_arn)],
        }
    ]
    for grant in grants:
        arn = arns[grant.target]
        statements.append(
            {
                "Sid": grant.sid,
                "Effect": "Allow",
                "Action": list(grant.actions),
                "Resource": [stream_records_arn(arn) if grant.on_stream else arn],
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def policy_json(
    grants: Sequence[Grant],
    arns: Mapping[Target, pulumi.Output[str]],
    log_group_arn: pulumi.Output[str],
) -> pulumi.Output[str]:
    """`document` as JSON once the ARNs it names are known."""
    targets = sorted({grant.target for grant in grants})
    resolved = pulumi.Output.all(log_group_arn, *(arns[target] for target in targets))

    def render(values: list[str]) -> str:
        named = dict(zip(targets, values[1:], strict=True))
        return json.dumps(document(grants, named, values[0]), sort_keys=True)

    return resolved.apply(render)
