"""IAM's decisions for identity-based policies: known cases from IAM's documented logic, and
properties of wildcards and Deny."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leda.iam.conditions import UnsupportedCondition, conditions_hold
from leda.iam.policy import Decision, Policy, Request, decide

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/leda-dev-StateTable"
OTHER = "arn:aws:dynamodb:us-east-1:123456789012:table/team-b-StateTable"


def policy(*statements: dict[str, Any]) -> Policy:
    return Policy.parse("test", {"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource, **extra) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource, **extra) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


@pytest.mark.parametrize(
    ("statements", "request_", "decision"),
    [
        ([allow("dynamodb:UpdateItem", TABLE)], Request("dynamodb:UpdateItem", TABLE), "allow"),
        ([allow("dynamodb:UpdateItem", TABLE)], Request("dynamodb:PutItem", TABLE), "implicit"),
        ([allow("dynamodb:UpdateItem", TABLE)], Request("dynamodb:UpdateItem", OTHER), "implicit"),
        # action names are case-insensitive, resources are not
        ([allow("DynamoDB:updateitem", TABLE)], Request("dynamodb:UpdateItem", TABLE), "allow"),
        (
            [allow("dynamodb:UpdateItem", TABLE.lower())],
            Request("dynamodb:UpdateItem", TABLE),
            "implicit",
        ),
        # wildcards
        ([allow("dynamodb:*", TABLE)], Request("dynamodb:UpdateItem", TABLE), "allow"),
        ([allow("dynamodb:Get*", TABLE)], Request("dynamodb:UpdateItem", TABLE), "implicit"),
        ([allow("dynamodb:?etItem", TABLE)], Request("dynamodb:GetItem", TABLE), "allow"),
        ([allow("dynamodb:?etItem", TABLE)], Request("dynamodb:BatchGetItem", TABLE), "implicit"),
        (
            [allow("dynamodb:GetItem", "arn:aws:dynamodb:*:*:table/leda-dev-*")],
            Request("dynamodb:GetItem", TABLE),
            "allow",
        ),
        (
            [allow("dynamodb:GetItem", "arn:aws:dynamodb:*:*:table/leda-dev-*")],
            Request("dynamodb:GetItem", OTHER),
            "implicit",
        ),
        # a table's grant does not reach its stream, a stream pattern does
        (
            [allow("dynamodb:GetRecords", TABLE)],
            Request("dynamodb:GetRecords", TABLE + "/stream/2026-01-01T00:00:00.000"),
            "implicit",
        ),
        (
            [allow("dynamodb:GetRecords", TABLE + "/stream/*")],
            Request("dynamodb:GetRecords", TABLE + "/stream/2026-01-01T00:00:00.000"),
            "allow",
        ),
        # an explicit Deny wins, in any order
        (
            [allow("dynamodb:*", "*"), deny("dynamodb:DeleteItem", TABLE)],
            Request("dynamodb:DeleteItem", TABLE),
            "deny",
        ),
        (
            [deny("dynamodb:DeleteItem", TABLE), allow("dynamodb:*", "*")],
            Request("dynamodb:DeleteItem", TABLE),
            "deny",
        ),
        (
            [deny("dynamodb:DeleteItem", TABLE), allow("dynamodb:*", "*")],
            Request("dynamodb:GetItem", TABLE),
            "allow",
        ),
        # NotAction / NotResource
        (
            [{"Effect": "Allow", "NotAction": "dynamodb:DeleteItem", "Resource": TABLE}],
            Request("dynamodb:GetItem", TABLE),
            "allow",
        ),
        (
            [{"Effect": "Allow", "NotAction": "dynamodb:DeleteItem", "Resource": TABLE}],
            Request("dynamodb:DeleteItem", TABLE),
            "implicit",
        ),
        (
            [{"Effect": "Allow", "Action": "dynamodb:GetItem", "NotResource": OTHER}],
            Request("dynamodb:GetItem", TABLE),
            "allow",
        ),
        (
            [{"Effect": "Allow", "Action": "dynamodb:GetItem", "NotResource": OTHER}],
            Request("dynamodb:GetItem", OTHER),
            "implicit",
        ),
        (
            [allow("*", "*"), {"Effect": "Deny", "NotAction": "dynamodb:Get*", "Resource": "*"}],
            Request("dynamodb:PutItem", TABLE),
            "deny",
        ),
        # conditions: an Allow whose condition fails does not apply (it is no Deny)
        (
            [
                allow(
                    "ses:SendEmail",
                    "*",
                    Condition={"StringEquals": {"ses:FromAddress": "a@example.com"}},
                )
            ],
            Request(
                "ses:SendEmail",
                "arn:aws:ses:us-east-1:1:identity/x",
                {"ses:FromAddress": ["a@example.com"]},
            ),
            "allow",
        ),
        (
            [
                allow(
                    "ses:SendEmail",
                    "*",
                    Condition={"StringEquals": {"ses:FromAddress": "a@example.com"}},
                )
            ],
            Request(
                "ses:SendEmail",
                "arn:aws:ses:us-east-1:1:identity/x",
                {"ses:FromAddress": ["b@example.com"]},
            ),
            "implicit",
        ),
        (
            [
                allow(
                    "ses:SendEmail",
                    "*",
                    Condition={"StringEquals": {"ses:FromAddress": "a@example.com"}},
                ),
                allow("ses:SendEmail", "*"),
            ],
            Request(
                "ses:SendEmail",
                "arn:aws:ses:us-east-1:1:identity/x",
                {"ses:FromAddress": ["b@example.com"]},
            ),
            "allow",
        ),
        # condition keys are case-insensitive
        (
            [
                allow(
                    "iam:PassRole",
                    "*",
                    Condition={"StringEquals": {"IAM:passedToService": "scheduler.amazonaws.com"}},
                )
            ],
            Request(
                "iam:PassRole",
                "arn:aws:iam::1:role/r",
                {"iam:PassedToService": ["scheduler.amazonaws.com"]},
            ),
            "allow",
        ),
    ],
)
def test_known_decisions(statements, request_, decision):
    expected = {
        "allow": Decision.ALLOW,
        "deny": Decision.EXPLICIT_DENY,
        "implicit": Decision.IMPLICIT_DENY,
    }[decision]
    assert decide([policy(*statements)], request_) is expected


def test_no_policy_is_an_implicit_deny():
    assert decide([], Request("dynamodb:GetItem", TABLE)) is Decision.IMPLICIT_DENY


@pytest.mark.parametrize(
    ("block", "context", "holds"),
    [
        ({"StringEquals": {"k": "v"}}, {}, False),  # absent key: no match
        ({"StringNotEquals": {"k": "v"}}, {}, True),  # negated, absent key: true
        ({"StringNotEquals": {"k": ["v", "w"]}}, {"k": ["w"]}, False),  # NOR over values
        ({"StringNotEquals": {"k": ["v", "w"]}}, {"k": ["x"]}, True),
        ({"StringEquals": {"k": ["v", "w"]}}, {"k": ["w"]}, True),  # OR over values
        ({"StringEquals": {"k": "v", "j": "u"}}, {"k": ["v"]}, False),  # AND over keys
        ({"StringEqualsIfExists": {"k": "v"}}, {}, True),
        ({"StringEqualsIfExists": {"k": "v"}}, {"k": ["w"]}, False),
        ({"StringLike": {"k": "team-*"}}, {"k": ["team-a"]}, True),
        ({"StringLike": {"k": "team-?"}}, {"k": ["team-ab"]}, False),
        ({"StringEqualsIgnoreCase": {"k": "ABC"}}, {"k": ["abc"]}, True),
        ({"StringEquals": {"k": "ABC"}}, {"k": ["abc"]}, False),
        ({"Null": {"k": "true"}}, {}, True),
        ({"Null": {"k": "false"}}, {}, False),
        ({"Null": {"k": "false"}}, {"k": ["x"]}, True),
        ({"Bool": {"k": True}}, {"k": ["true"]}, True),
        ({"NumericLessThan": {"k": "10"}}, {"k": ["9.5"]}, True),
        ({"NumericLessThan": {"k": "10"}}, {"k": ["10"]}, False),
        (
            {"ArnLike": {"k": "arn:aws:scheduler:*:123:schedule/g/*"}},
            {"k": ["arn:aws:scheduler:us-east-1:123:schedule/g/s1"]},
            True,
        ),
        # an ARN's `*` stays within its part: a region wildcard does not swallow the account
        (
            {"ArnLike": {"k": "arn:aws:scheduler:*:schedule/g/*"}},
            {"k": ["arn:aws:scheduler:us-east-1:123:schedule/g/s1"]},
            False,
        ),
        ({"ArnNotLike": {"k": "arn:aws:sqs:*:*:a"}}, {"k": ["arn:aws:sqs:r:1:b"]}, True),
        ({"ForAnyValue:StringEquals": {"k": ["a", "b"]}}, {"k": ["c", "b"]}, True),
        ({"ForAnyValue:StringEquals": {"k": ["a", "b"]}}, {"k": ["c", "d"]}, False),
        ({"ForAllValues:StringEquals": {"k": ["a", "b"]}}, {"k": ["a", "b"]}, True),
        ({"ForAllValues:StringEquals": {"k": ["a", "b"]}}, {"k": ["a", "c"]}, False),
        ({"ForAllValues:StringEquals": {"k": ["a"]}}, {}, True),
    ],
)
def test_condition_operators(block, context, holds):
    assert conditions_hold(block, {k.lower(): v for k, v in context.items()}) is holds


def test_an_unknown_operator_is_refused_not_guessed():
    with pytest.raises(UnsupportedCondition, match="DateLessThan"):
        conditions_hold(
            {"DateLessThan": {"aws:CurrentTime": "2030-01-01"}}, {"aws:currenttime": ["x"]}
        )


names = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/",
    min_size=1,
    max_size=30,
)


@st.composite
def widened(draw: st.DrawFn) -> tuple[str, str]:
    """A concrete name and a pattern made from it with `?` and `*`: it must always match."""
    name = draw(names)
    chars = list(name)
    for index in draw(st.lists(st.integers(0, len(chars) - 1), max_size=3)):
        chars[index] = "?"
    pattern = "".join(chars)
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(pattern)))
        pattern = pattern[:cut] + "*"
    return name, pattern


@given(widened())
def test_a_pattern_made_from_a_name_matches_it(pair):
    name, pattern = pair
    resource = f"arn:aws:dynamodb:us-east-1:1:table/{name}"
    statement = allow("dynamodb:GetItem", f"arn:aws:dynamodb:us-east-1:1:table/{pattern}")
    assert decide([policy(statement)], Request("dynamodb:GetItem", resource)) is Decision.ALLOW


@given(names, names)
def test_regex_characters_in_policies_are_literal(left, right):
    """Only `*` and `?` are special: `.`, `[`, `+` in a policy match themselves only."""
    pattern = f"arn:aws:sqs:r:1:{left}.[x]+{right}"
    literal = decide(
        [policy(allow("sqs:SendMessage", pattern))], Request("sqs:SendMessage", pattern)
    )
    assert literal is Decision.ALLOW
    other = f"arn:aws:sqs:r:1:{left}a[x]+{right}"
    assert decide(
        [policy(allow("sqs:SendMessage", pattern))], Request("sqs:SendMessage", other)
    ) is (Decision.IMPLICIT_DENY)


@given(st.lists(st.booleans(), min_size=1, max_size=6), st.integers(0, 5))
def test_a_matching_deny_wins_wherever_it_stands(allows, position):
    statements = [allow("dynamodb:*", "*") if a else allow("kinesis:*", "*") for a in allows]
    statements.insert(min(position, len(statements)), deny("dynamodb:PutItem", TABLE))
    assert decide([policy(*statements)], Request("dynamodb:PutItem", TABLE)) is (
        Decision.EXPLICIT_DENY
    )
