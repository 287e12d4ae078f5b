"""The account's own quotas and what it already uses, where the services say so.

Each service's account API is read rather than the Service Quotas API: it gives the value in
force and the usage next to it, in one call, without quota codes to keep up to date:
Kinesis DescribeLimits (ShardLimit, OpenShardCount), Lambda GetAccountSettings
(UnreservedConcurrentExecutions: what is left to reserve before the 100 that must stay free),
IAM GetAccountSummary (RolesQuota, Roles). DynamoDB tables and Scheduler schedule groups have no
such call; their documented defaults stand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from leda.classroom.quotas import UNRESERVED_MINIMUM, Quota


def room_left(client_for: Callable[[str], Any]) -> dict[Quota, int]:
    """How much of each quota this account and region can still give (limit minus use)."""
    room: dict[Quota, int] = {}
    limits = client_for("kinesis").describe_limits()
    room[Quota.SHARDS] = int(limits["ShardLimit"]) - int(limits["OpenShardCount"])
    settings = client_for("lambda").get_account_settings()
    unreserved = int(settings["AccountLimit"]["UnreservedConcurrentExecutions"])
    room[Quota.CONCURRENCY] = max(0, unreserved - UNRESERVED_MINIMUM)
    summary = client_for("iam").get_account_summary()["SummaryMap"]
    room[Quota.ROLES] = int(summary["RolesQuota"]) - int(summary["Roles"])
    return room
