"""Every grant of every role is needed, shown offline: each stage's whole workload runs with
IAM enforced, and each Allow statement is the only one that let some request through, so
removing that statement alone refuses that request with AccessDenied (or makes Lambda refuse
the trigger) and the workload's checks fail.

The workload: a burst with lab 2 on; one malformed record for each stream function (the
dead-letter paths); each function's sample event; the reminders' own test, with one
appointment that expires (the Scheduler's DeleteItem target) and one whose email is refused at
fire time (the Scheduler's dead-letter queue).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
from typing import Any

import pytest

from leda.cloud.local_cloud import LocalCloud
from leda.deployment.deployment import Deployment, DeploymentOptions
from leda.iam.policy import Decision, Policy, Request, decide
from leda.reminders.trial import run_trial
from leda.workshop.run import WorkshopOptions, WorkshopRun
from stacks.project import PROJECT_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.emulator]

SAMPLES = {
    "StateLambda": "state_lambda/kinesis-batch.json",
    "MapLambda": "map_lambda/state-stream.json",
    "ReduceLambda": "reduce_lambda/reduce-stream.json",
    "ReminderLambda": "reminder_lambda/insert.json",
}
# Grants a stage holds that its own code cannot reach, each with its reason.
UNREACHABLE = {
    ("broken", "leda-dev-ReduceLambdaPolicy", ("dynamodb:GetItem",)): "ReduceLambda reads "
    "its failure rate after its transaction, which the handed-out policy refuses (lab 1 step 3)",
    (
        "broken",
        "leda-dev-StateLambdaPolicy",
        (
            "kinesis:DescribeStream",
            "kinesis:DescribeStreamSummary",
            "kinesis:GetRecords",
            "kinesis:GetShardIterator",
            "kinesis:ListShards",
        ),
    ): "the handed-out stack has no Kinesis trigger yet: lab 1, step 1 adds it",
}
# Grants no offline workload can use, each with its reason.
NOT_EXERCISED = {
    ("logs:CreateLogStream", "logs:PutLogEvents"): "Lambda's service writes a function's logs "
    "with its role; offline the function's output goes to a file",
}


def _malformed_stream_event(table_stream: str) -> dict[str, Any]:
    """A table stream record whose item the function cannot read (no Message/Value)."""
    return {
        "Records": [
            {
                "eventID": "1",
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "dynamodb": {
                    "Keys": {"id": {"S": "x"}},
                    "NewImage": {"id": {"S": "x"}, "garbage": {"S": "!"}},
                    "SequenceNumber": "100",
                    "SizeBytes": 10,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
                "eventSourceARN": table_stream,
            }
        ]
    }


def _fresh(event: dict[str, Any]) -> dict[str, Any]:
    """The Kinesis sample's well-formed messages, stamped now (StateLambda skips old ones; the
    malformed record was sent through the stream above)."""
    fresh = []
    for record in event["Records"]:
        try:
            message = json.loads(base64.b64decode(record["kinesis"]["data"]))
        except ValueError:
            continue
        message["Timestamp"] = time.time()
        record["kinesis"]["data"] = base64.b64encode(json.dumps(message).encode()).decode()
        fresh.append(record)
    return {**event, "Records": fresh}


def _workload(cloud: LocalCloud, deployment: Deployment) -> None:
    with WorkshopRun(
        deployment, WorkshopOptions(lab2=True, bursts=1, burst_size=400, interval=10)
    ) as run:
        run.play()
    kinesis = cloud.client("kinesis")
    kinesis.put_record(
        StreamName=deployment.output("incomingDataStreamName"), Data=b"not json", PartitionKey="x"
    )
    for function, sample in SAMPLES.items():
        event = json.loads((PROJECT_ROOT / "events" / sample).read_text())
        deployment.invoke(function, _fresh(event) if function == "StateLambda" else event)
    for function in ("MapLambda", "ReduceLambda"):
        deployment.invoke(
            function, _malformed_stream_event("arn:aws:dynamodb:us-east-1:1:table/t/stream/s")
        )
    # Reminders: one that expires, one whose email SES refuses when it fires, then the trial.
    dynamodb, ses = cloud.client("dynamodb"), cloud.client("ses")
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=4)).strftime("%Y-%m-%dT%H:%M:%S")
    table = deployment.output("appointmentTableName")
    dynamodb.put_item(
        TableName=table,
        Item={
            "PK": {"S": "expiring"},
            "SK": {"S": "S"},
            "EMAIL": {"S": "e@example.com"},
            "REMINDER_TIMESTAMP": {"S": soon},
            "EXPIRES_AT": {"S": soon},
        },
    )
    run_trial(deployment, 2, 6)
    sender = deployment.output("senderEmail")
    ses.delete_identity(Identity=sender)  # the next email is refused: a dead letter
    dynamodb.put_item(
        TableName=table,
        Item={
            "PK": {"S": "refused"},
            "SK": {"S": "S"},
            "EMAIL": {"S": "r@example.com"},
            "REMINDER_TIMESTAMP": {
                "S": (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=4)).strftime(
                    "%Y-%m-%dT%H:%M:%S"
                )
            },
        },
    )
    time.sleep(9)
    ses.verify_email_identity(EmailAddress=sender)


@pytest.mark.parametrize("stage", ["broken", "wired", "fault-tolerant", "hardened"])
def test_every_grant_is_the_only_one_some_request_of_the_workload_needs(stage):
    with LocalCloud() as cloud, Deployment(cloud, DeploymentOptions(stage)) as deployment:
        _workload(cloud, deployment)
        decisions = deployment.iam_decisions()
        plan = deployment.plan
    needed = {x["granted_by"][0] for x in decisions if len(x["granted_by"]) == 1}
    unused = []
    for role in plan.roles:
        for name, document in role.policies.items():
            for index, statement in enumerate(json.loads(document)["Statement"]):
                actions = statement["Action"]
                actions = tuple(actions if isinstance(actions, list) else [actions])
                if (
                    f"{name}#{index}" not in needed
                    and actions not in NOT_EXERCISED
                    and (stage, name, actions) not in UNREACHABLE
                ):
                    unused.append((name, actions, statement["Resource"]))
    assert unused == [], unused
    # The mutation itself: each role's policies with one statement taken out, the workload's
    # own requests decided again by the same evaluator; some request must now be refused.
    for role in plan.roles:
        asked = [x for x in decisions if x["role"] == role.arn and x["decision"] == "allow"]
        for name, document in role.policies.items():
            parsed = json.loads(document)
            for index, statement in enumerate(parsed["Statement"]):
                actions = statement["Action"]
                actions = tuple(actions if isinstance(actions, list) else [actions])
                if actions in NOT_EXERCISED or (stage, name, actions) in UNREACHABLE:
                    continue
                kept = [s for i, s in enumerate(parsed["Statement"]) if i != index]
                mutated = [Policy.parse(name, {**parsed, "Statement": kept})]
                refused_now = [
                    x
                    for x in asked
                    if decide(mutated, Request(x["action"], x["resource"], x["context"]))
                    is not Decision.ALLOW
                ]
                assert refused_now, f"{name} without statement {index} refuses nothing"
    # and the workload itself stayed within its grants, but where the stage is meant to fail
    refused = {(x["session"], x["action"]) for x in decisions if x["decision"] != "allow"}
    expected = {
        "broken": {("leda-dev-ReduceLambda", "dynamodb:UpdateItem")},
    }.get(stage, set())
    assert refused == expected
