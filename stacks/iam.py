"""What every function's role has alike, whichever component declares it: Lambda's trust
policy, writing its own logs, and the ARN that covers a table's stream records.

The only wildcards these add are where AWS makes the name unknowable in advance: the label of a
DynamoDB stream (`<table ARN>/stream/*`, which changes each time a stream is switched on) and
the log streams Lambda creates inside the function's own log group
(`<log group ARN>:log-stream:*`).
"""

from __future__ import annotations

import json

LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")

ASSUME_ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    },
    sort_keys=True,
)


def stream_records_arn(table_arn: str) -> str:
    """Every stream of a table, whatever its label."""
    return f"{table_arn}/stream/*"


def log_stream_arn(log_group_arn: str) -> str:
    return f"{log_group_arn}:log-stream:*"
