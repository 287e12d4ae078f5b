"""Redrive on the offline runtime: the same redrive, with the deployment's functions and the
local cloud's streams."""

from __future__ import annotations

from typing import Any

from leda.cloud.credentials import LOCAL_REGION
from leda.deployment.deployment import Deployment
from leda.redrive.failures import FailedBatch, StreamKind
from leda.redrive.redrive import Delivery, Invoker, delivery_of
from leda.redrive.reread import source_for
from leda.triggers.sources import ShardSource


def deployment_invoker(deployment: Deployment) -> Invoker:
    def invoke(function_arn: str, event: dict[str, Any]) -> Delivery:
        # The on-failure record names the function by ARN; its last part is the name.
        result = deployment.invoke(function_arn.rsplit(":", 1)[-1], event)
        error = f"{result.error_type}: {result.error_message}" if not result.ok else ""
        return delivery_of(result.ok, result.payload, error)

    return invoke


def deployment_sources(deployment: Deployment) -> Any:
    def source(batch: FailedBatch) -> ShardSource:
        service = "kinesis" if batch.kind is StreamKind.KINESIS else "dynamodbstreams"
        return source_for(batch, deployment.cloud.client(service), LOCAL_REGION)

    return source
