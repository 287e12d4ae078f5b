"""Every policy the program declares, in every stage, linted by parliament (IAM's database of
actions, resource types and condition keys): no unknown action, no resource of the wrong type
for its action, and nothing else left unexplained."""

from __future__ import annotations

import pytest
from parliament import analyze_policy_string

from leda.deployment.plan import stage_plan

# (issue, action) -> why it stays.
EXPLAINED = {
    ("RESOURCE_MISMATCH", "dynamodb:ListStreams"): (
        "the workshop's own policies (the shipped MapLambdaPolicy, lab 1's ReduceLambdaPolicy) "
        "grant ListStreams on the table's stream ARN; ListStreams takes no resource, so IAM "
        "ignores that grant, and Lambda creates the triggers without it: kept, to stay faithful"
    ),
}


def _findings(document: str) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for finding in analyze_policy_string(document).findings:
        details = finding.detail if isinstance(finding.detail, list) else [finding.detail]
        for detail in details:
            action = detail.get("action", "") if isinstance(detail, dict) else str(detail)
            found.add((finding.issue, action))
    return found


@pytest.mark.parametrize("stage", ["broken", "wired", "fault-tolerant", "hardened"])
@pytest.mark.parametrize("participant", [None, "team-b"])
def test_every_policy_passes_the_linter_or_is_explained(stage, participant):
    plan = stage_plan(stage, participant)
    assert len(plan.roles) == 6
    for role in plan.roles:
        assert role.policies, f"{role.name} has no policy"
        for name, document in role.policies.items():
            unexplained = _findings(document) - set(EXPLAINED)
            assert not unexplained, f"{name}: {sorted(unexplained)}"


def _allow(action: str, resource: str) -> str:
    return (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        f'"Action": "{action}", "Resource": "{resource}"}}]}}'
    )


def test_the_linter_catches_what_it_should():
    """The check can fail: an unknown action and a wrong resource type are reported."""
    queue = "arn:aws:sqs:us-east-1:123456789012:q"
    assert _findings(_allow("sqs:SendMessageBatch", queue)) == {
        ("UNKNOWN_ACTION", "Unknown action sqs:SendMessageBatch")
    }
    assert _findings(_allow("dynamodb:UpdateItem", queue)) == {
        ("RESOURCE_MISMATCH", "dynamodb:UpdateItem")
    }
    assert _findings(_allow("sqs:SendMessage", queue)) == set()
