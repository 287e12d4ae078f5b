"""The account's own room left, read from each service's account API (botocore's Stubber plays
the services), and the plan taking it over the defaults."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.stub import Stubber

from leda.classroom.account_quotas import room_left
from leda.classroom.quotas import Needs, Quota, plan
from leda.classroom.roster import Participant


def _stubbed() -> tuple[dict[str, Any], list[Stubber]]:
    session = boto3.Session(
        aws_access_key_id="x", aws_secret_access_key="y", region_name="eu-west-1"
    )
    clients = {name: session.client(name) for name in ("kinesis", "lambda", "iam")}
    stubs = [Stubber(client) for client in clients.values()]
    stubs[0].add_response(
        "describe_limits",
        {
            "ShardLimit": 200,
            "OpenShardCount": 150,
            "OnDemandStreamCount": 0,
            "OnDemandStreamCountLimit": 50,
        },
    )
    stubs[1].add_response(
        "get_account_settings",
        {
            "AccountLimit": {"ConcurrentExecutions": 10, "UnreservedConcurrentExecutions": 10},
            "AccountUsage": {},
        },
    )
    stubs[2].add_response("get_account_summary", {"SummaryMap": {"RolesQuota": 1000, "Roles": 990}})
    for stub in stubs:
        stub.activate()
    return clients, stubs


def test_room_left_is_the_limit_minus_what_is_used():
    clients, stubs = _stubbed()
    room = room_left(clients.__getitem__)
    assert room == {Quota.SHARDS: 50, Quota.CONCURRENCY: 0, Quota.ROLES: 10}
    for stub in stubs:
        stub.assert_no_pending_responses()


def test_a_new_account_cannot_take_even_one_participant():
    """10 concurrent executions, all of which must stay unreserved: lab 1's ReduceLambda
    reservation does not fit, and 150 shards already open leave room for 2 participants."""
    clients, _ = _stubbed()
    room = room_left(clients.__getitem__)
    actual: dict[tuple[str, str, Quota], int] = {
        ("default", "" if quota is Quota.ROLES else "eu-west-1", quota): value
        for quota, value in room.items()
    }
    needs = Needs(
        {
            Quota.SHARDS: 20,
            Quota.CONCURRENCY: 1,
            Quota.TABLES: 6,
            Quota.ROLES: 6,
            Quota.SCHEDULE_GROUPS: 1,
        }
    )
    result = plan([Participant("a", 2, None, "eu-west-1")], needs, actual)
    short = {line.quota for line in result.lines if not line.fits}
    assert short == {Quota.CONCURRENCY}
    three = plan([Participant(f"p{i}", i, None, "eu-west-1") for i in range(3)], needs, actual)
    assert {line.quota for line in three.lines if not line.fits} == {
        Quota.SHARDS,
        Quota.CONCURRENCY,
        Quota.ROLES,
    }
