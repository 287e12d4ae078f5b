"""A class against the account's quotas, with each stack's needs counted from what the program
declares for the stage."""

from __future__ import annotations

import pytest

from leda import stage_report
from leda.classroom.quotas import Needs, Quota, needs_of, plan
from leda.classroom.roster import Participant


@pytest.fixture(scope="module")
def wired() -> Needs:
    return needs_of(stage_report.run_stage("wired").resources)


def test_a_stacks_needs_are_counted_from_its_declarations(wired):
    assert wired.amounts == {
        Quota.SHARDS: 20,
        Quota.CONCURRENCY: 1,  # ReduceLambda, reserved in lab 1
        Quota.TABLES: 6,  # four of the pipeline, two of the reminders
        Quota.ROLES: 6,  # five functions and the scheduler's
        Quota.SCHEDULE_GROUPS: 1,
    }
    broken = needs_of(stage_report.run_stage("broken").resources)
    assert broken.amounts[Quota.CONCURRENCY] == 0  # reserved by the participant in lab 1


def _class(count: int, region: str | None = None, profile: str | None = None):
    return [Participant(f"p{i}", i + 2, profile, region) for i in range(count)]


def test_25_participants_fit_us_east_1_and_26_do_not(wired):
    assert plan(_class(25), wired).fits
    too_many = plan(_class(26), wired)
    assert not too_many.fits
    [short] = [line for line in too_many.lines if not line.fits]
    assert (short.quota, short.needed, short.allowed) == (Quota.SHARDS, 520, 500)
    assert short.where == "profile default, us-east-1" and short.source == "AWS default"


def test_other_regions_have_200_shards(wired):
    assert plan(_class(10, "eu-central-1"), wired).fits
    assert not plan(_class(11, "eu-central-1"), wired).fits


def test_regions_and_accounts_are_counted_apart(wired):
    people = _class(20, "us-east-1", "a") + _class(20, "us-east-1", "b")
    assert plan(people, wired).fits  # 400 shards in each account, not 800 in one


def test_an_accounts_own_quota_overrides_the_default(wired):
    # A new account with 10 concurrent executions may reserve none of them (100 stay free).
    actual = {("default", "us-east-1", Quota.CONCURRENCY): 0}
    result = plan(_class(1), wired, actual)
    [short] = [line for line in result.lines if not line.fits]
    assert (short.quota, short.needed, short.allowed, short.source) == (
        Quota.CONCURRENCY,
        1,
        0,
        "this account",
    )
