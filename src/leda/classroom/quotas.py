"""What a class needs of an AWS account, against the quotas that apply to it.

Each participant's stack is measured, not assumed: the Pulumi program runs under its mocks for
the class's stage and its declarations are counted (shards, reserved concurrency, tables, IAM
roles, schedule groups). The quotas are AWS's documented defaults unless the account's own
values are given (`leda class plan --account`: leda.classroom.account_quotas):

- Kinesis Data Streams, shards per region: 500 in us-east-1, us-west-2 and eu-west-1, 200 in
  every other region (Kinesis Data Streams developer guide, "Quotas and limits").
- Lambda, concurrent executions per region: 1,000; and a function may reserve only what leaves
  at least 100 unreserved (Lambda developer guide, "Lambda quotas" and "Configuring reserved
  concurrency"). New accounts may start lower (10 has been seen): read the account's value.
- DynamoDB, tables per region: 2,500 (DynamoDB developer guide, "Quotas").
- IAM, roles per account: 1,000 (IAM user guide, "IAM and AWS STS quotas").
- EventBridge Scheduler, schedule groups per region: 500 (Scheduler user guide, "Quotas").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from leda.classroom.roster import Participant

DEFAULT_REGION = "us-east-1"
UNRESERVED_MINIMUM = 100
LARGE_SHARD_REGIONS = frozenset({"us-east-1", "us-west-2", "eu-west-1"})


class Quota(StrEnum):
    SHARDS = "Kinesis shards per region"
    CONCURRENCY = "Lambda concurrency reserved per region"
    TABLES = "DynamoDB tables per region"
    ROLES = "IAM roles per account"
    SCHEDULE_GROUPS = "Scheduler schedule groups per region"


REGIONAL = (Quota.SHARDS, Quota.CONCURRENCY, Quota.TABLES, Quota.SCHEDULE_GROUPS)


def default_quota(quota: Quota, region: str) -> int:
    if quota is Quota.SHARDS:
        return 500 if region in LARGE_SHARD_REGIONS else 200
    if quota is Quota.CONCURRENCY:
        return 1000 - UNRESERVED_MINIMUM  # what may be reserved
    if quota is Quota.TABLES:
        return 2500
    if quota is Quota.ROLES:
        return 1000
    return 500


@dataclass(frozen=True)
class Needs:
    """What one participant's stack takes, counted from the program's declarations."""

    amounts: Mapping[Quota, int]


def needs_of(resources: Iterable[Any]) -> Needs:
    """Count a mock run's declared resources (stacks.mocks.run.DeclaredResource)."""
    amounts: Counter[Quota] = Counter()
    for resource in resources:
        inputs = resource.inputs
        if resource.type == "aws:kinesis/stream:Stream":
            amounts[Quota.SHARDS] += int(inputs.get("shardCount") or 0)
        elif resource.type == "aws:lambda/function:Function":
            reserved = inputs.get("reservedConcurrentExecutions")
            if reserved is not None and int(reserved) > 0:
                amounts[Quota.CONCURRENCY] += int(reserved)
        elif resource.type == "aws:dynamodb/table:Table":
            amounts[Quota.TABLES] += 1
        elif resource.type == "aws:iam/role:Role":
            amounts[Quota.ROLES] += 1
        elif resource.type == "aws:scheduler/scheduleGroup:ScheduleGroup":
            amounts[Quota.SCHEDULE_GROUPS] += 1
    return Needs({quota: amounts.get(quota, 0) for quota in Quota})


@dataclass(frozen=True)
class Line:
    """One quota in one place (an account, or an account's region): the class against it."""

    quota: Quota
    where: str  # "profile default, us-east-1" or "profile default"
    participants: int
    needed: int
    allowed: int
    source: str  # "AWS default" or "this account"

    @property
    def fits(self) -> bool:
        return self.needed <= self.allowed


@dataclass
class ClassPlan:
    lines: list[Line] = field(default_factory=list)

    @property
    def fits(self) -> bool:
        return all(line.fits for line in self.lines)


def plan(
    participants: list[Participant],
    needs: Needs,
    actual: Mapping[tuple[str, str, Quota], int] | None = None,
) -> ClassPlan:
    """The class against each quota. `actual`: (profile, region, quota) -> the account's value
    (region "" for per-account quotas), where it could be read."""
    actual = actual or {}
    by_region: Counter[tuple[str, str]] = Counter()
    by_account: Counter[str] = Counter()
    for participant in participants:
        profile = participant.profile or "default"
        by_region[(profile, participant.region or DEFAULT_REGION)] += 1
        by_account[profile] += 1
    result = ClassPlan()
    for (profile, region), count in sorted(by_region.items()):
        for quota in REGIONAL:
            known = actual.get((profile, region, quota))
            result.lines.append(
                Line(
                    quota,
                    f"profile {profile}, {region}",
                    count,
                    count * needs.amounts[quota],
                    default_quota(quota, region) if known is None else known,
                    "AWS default" if known is None else "this account",
                )
            )
    for profile, count in sorted(by_account.items()):
        known = actual.get((profile, "", Quota.ROLES))
        result.lines.append(
            Line(
                Quota.ROLES,
                f"profile {profile}",
                count,
                count * needs.amounts[Quota.ROLES],
                default_quota(Quota.ROLES, "") if known is None else known,
                "AWS default" if known is None else "this account",
            )
        )
    return result
