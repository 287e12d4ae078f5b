"""`leda redrive`: deliver again what a deployed stack's stream triggers gave up on."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from leda.aws.target import AwsTarget
from leda.cli.console import console
from leda.cli.errors import aws_reported
from leda.redrive.failures import FailedBatch, StreamKind
from leda.redrive.redrive import Outcome, Redriven, client_sender, lambda_invoker, redrive
from leda.redrive.reread import source_for
from leda.triggers.sources import ShardSource

KEPT = (Outcome.PAST_RETENTION, Outcome.FAILED, Outcome.NOT_A_BATCH)


def _queue_url(sqs: Any, queue: str) -> str:
    if queue.startswith(("https://", "http://")):
        return queue
    return str(sqs.get_queue_url(QueueName=queue)["QueueUrl"])


def redrive_command(
    queue: Annotated[
        str,
        typer.Option(
            help="The queue, by name or URL: TriggerFailureQueue (StateLambda's trigger in "
            "hardened), ReminderFailureQueue (ReminderLambda's trigger) or "
            "ReminderDeadLetterQueue (reminders Scheduler could not send).",
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be delivered; change nothing.")
    ] = False,
    limit: Annotated[
        int | None, typer.Option("--max", min=1, help="Handle at most this many messages.")
    ] = None,
    region: Annotated[str | None, typer.Option(help="AWS region (default: the chain's).")] = None,
    profile: Annotated[str | None, typer.Option(help="AWS profile from ~/.aws/config.")] = None,
    endpoint_url: Annotated[
        str | None,
        typer.Option(help="Send every call here (an emulator serving SQS, Kinesis and Lambda)."),
    ] = None,
) -> None:
    """
    Deliver again the batches a stream trigger gave up on, from its on-failure queue.

    Each message is Lambda's record of a batch (shard, sequence range, function): the records
    are read again from the Kinesis stream or the table stream and the function is invoked
    with them, in the event the trigger would have sent. A message is deleted only once its
    records were delivered and the function succeeded; records past the stream's retention,
    a function failing again, and messages that are not such records are reported and kept.
    A Scheduler dead letter (a reminder that could not be sent) is sent now, with your
    credentials, rather than scheduled again: its time has passed. Exit code 1 if any message
    was kept.
    """
    out = console()
    target = AwsTarget(region, profile, endpoint_url)
    with aws_reported(f"queue {queue}"):
        sqs = target.client("sqs")
        clients = {
            StreamKind.KINESIS: target.client("kinesis"),
            StreamKind.DYNAMODB: target.client("dynamodbstreams"),
        }
        url = _queue_url(sqs, queue)
        zone = sqs.meta.region_name

        def source(batch: FailedBatch) -> ShardSource:
            return source_for(batch, clients[batch.kind], zone)

        def shown(result: Redriven) -> None:
            colour = "green" if result.outcome not in KEPT else "yellow"
            out.print(f"[{colour}]{result.outcome}[/{colour}] {result.detail}", soft_wrap=True)

        results = redrive(
            sqs,
            url,
            source,
            # One attempt, waited out: the SDK's 60 s read timeout and retries would invoke a
            # slow function (StateLambda may run 180 s) again while the first call still runs.
            lambda_invoker(
                target.client("lambda", read_timeout=900, retries={"total_max_attempts": 1})
            ),
            send=client_sender(target.client),
            dry_run=dry_run,
            limit=limit,
            progress=shown,
        )
    summary = Table(show_edge=False, pad_edge=False)
    summary.add_column("outcome")
    summary.add_column("messages", justify="right")
    summary.add_column("records", justify="right")
    for outcome in Outcome:
        found = [r for r in results if r.outcome is outcome]
        if found:
            summary.add_row(str(outcome), str(len(found)), str(sum(r.records for r in found)))
    if not results:
        out.print(f"{queue}: no messages")
        return
    out.print(summary)
    if any(r.outcome in KEPT for r in results):
        raise typer.Exit(code=1)
