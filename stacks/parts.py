"""Resource shapes both components declare alike, written once.

An on-demand table of a given shape (stacks/tables.py), an encrypted queue that keeps failures
for the SQS maximum, and a Lambda function with its own log group (with a retention), its own
role and one inline policy. Physical names follow naming.Names; the caller says what differs:
the shape, the policy, the environment, the code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_aws as aws

from stacks.iam import ASSUME_ROLE_POLICY
from stacks.naming import Names
from stacks.tables import TableShape

LOG_RETENTION_DAYS = 14
QUEUE_RETENTION_SECONDS = 14 * 24 * 3600  # the SQS maximum: time to look at what failed


def table(
    names: Names, shape: TableShape, tags: Mapping[str, str], parent: pulumi.Resource
) -> aws.dynamodb.Table:
    """The table `<prefix>-<logical name>`, of the shape given."""
    name = names.of(shape.logical_name)
    return aws.dynamodb.Table(
        name,
        name=name,
        billing_mode="PAY_PER_REQUEST",
        hash_key=shape.hash_key.name,
        range_key=shape.range_key.name if shape.range_key else None,
        attributes=[{"name": key.name, "type": key.type} for key in shape.keys],
        # Switching a stream on or off is an in-place update of the table.
        stream_enabled=shape.stream_enabled,
        stream_view_type=shape.stream_view_type,
        ttl=(
            {"attribute_name": shape.ttl_attribute, "enabled": True}
            if shape.ttl_attribute
            else None
        ),
        tags=dict(tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def queue(name: str, tags: Mapping[str, str], parent: pulumi.Resource) -> aws.sqs.Queue:
    return aws.sqs.Queue(
        name,
        name=name,
        message_retention_seconds=QUEUE_RETENTION_SECONDS,
        sqs_managed_sse_enabled=True,  # encrypted without a KMS key to grant
        tags=dict(tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )


@dataclass(frozen=True)
class FunctionCode:
    """What a function runs and how big it is."""

    handler: str
    code: Path  # the `sam build` folder
    runtime: str
    memory_mb: int
    timeout_seconds: int
    reserved_concurrency: int | None = None
    # Archive path -> file laid over the build folder (a lab workspace's own modules).
    overlay: Mapping[str, Path] = field(default_factory=dict)

    def archive(self) -> pulumi.Archive:
        """The build folder; with an overlay, its files and the overlay's, the overlay's
        winning where both have a path (listed file by file: an AssetArchive keeps a nested
        archive in a folder of its own, never at the root)."""
        if not self.overlay:
            return pulumi.FileArchive(str(self.code))
        files: dict[str, pulumi.Asset | pulumi.Archive] = {}
        if self.code.is_dir():
            for path in sorted(self.code.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    files[path.relative_to(self.code).as_posix()] = pulumi.FileAsset(str(path))
        for name, path in self.overlay.items():
            files[name] = pulumi.FileAsset(str(path))
        return pulumi.AssetArchive(files)


@dataclass(frozen=True)
class DeclaredFunction:
    function: aws.lambda_.Function
    role: aws.iam.Role
    policy: aws.iam.RolePolicy
    log_group: aws.cloudwatch.LogGroup


def function(
    names: Names,
    logical_id: str,
    code: FunctionCode,
    *,
    policy: Callable[[pulumi.Output[str]], pulumi.Input[str]],  # log group ARN -> JSON
    environment: Mapping[str, pulumi.Input[str]],
    tags: Mapping[str, str],
    parent: pulumi.Resource,
    ready_after: Sequence[pulumi.Resource] = (),
) -> DeclaredFunction:
    """The function, created after its policy (it must be able to log before its first
    invocation) and after whatever else `ready_after` names."""
    child = pulumi.ResourceOptions(parent=parent)
    log_group = aws.cloudwatch.LogGroup(
        names.log_group_resource(logical_id),
        name=names.log_group(logical_id),
        retention_in_days=LOG_RETENTION_DAYS,
        tags=dict(tags),
        opts=child,
    )
    role = aws.iam.Role(
        names.role(logical_id),
        name=names.role(logical_id),
        assume_role_policy=ASSUME_ROLE_POLICY,
        tags=dict(tags),
        opts=child,
    )
    role_policy = aws.iam.RolePolicy(
        names.policy(logical_id),
        name=names.policy(logical_id),
        role=role.id,
        policy=policy(log_group.arn),
        opts=child,
    )
    declared = aws.lambda_.Function(
        names.function(logical_id),
        name=names.function(logical_id),
        role=role.arn,
        runtime=code.runtime,
        handler=code.handler,
        code=code.archive(),
        memory_size=code.memory_mb,
        timeout=code.timeout_seconds,
        reserved_concurrent_executions=code.reserved_concurrency,
        environment={"variables": dict(environment)},
        logging_config={"log_format": "Text", "log_group": log_group.name},
        tags=dict(tags),
        opts=pulumi.ResourceOptions(
            parent=parent, depends_on=[log_group, role_policy, *ready_after]
        ),
    )
    return DeclaredFunction(declared, role, role_policy, log_group)
