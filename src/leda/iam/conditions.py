"""The Condition block of a policy statement, decided against a request's context.

Written by hand: no maintained Python library evaluates IAM conditions (moto's evaluator, the
closest, knows only StringEquals and turns an Allow whose condition fails into a Deny), and the
maintained simulators are JavaScript, too slow to call for every AWS request a function makes.
The rules followed are IAM's documented ones:
- operators in one block, and keys under one operator, must all hold (AND); the values listed
  for one key are alternatives (OR), for a negated operator none may match (NOR);
- a key absent from the request makes an operator false, a negated one (StringNotEquals,
  ArnNotLike, ...) true; `...IfExists` is true when the key is absent; `Null` tests presence;
- `ForAnyValue:` / `ForAllValues:` compare a multivalued key value by value (ForAllValues holds
  for an absent key);
- condition keys are case-insensitive; String and Arn `Like` operators take `*` and `?`;
  `Arn` operators compare the six ARN parts, `*` not crossing a part's `:`.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache

Context = Mapping[str, Sequence[str]]  # lower-cased condition key -> the request's values
Compare = Callable[[str, str], bool]  # (request value, policy value) -> match


class UnsupportedCondition(ValueError):
    """An operator this evaluator does not know: refused rather than guessed."""


@lru_cache(maxsize=4096)
def wildcard(pattern: str, case_sensitive: bool = True) -> re.Pattern[str]:
    """IAM's `*` (any run, possibly empty) and `?` (one character); nothing else is special."""
    translated = fnmatch.translate(pattern.replace("[", "[[]"))
    return re.compile(translated, 0 if case_sensitive else re.IGNORECASE)


def _string_like(value: str, pattern: str) -> bool:
    return wildcard(pattern).match(value) is not None


def _arn_like(value: str, pattern: str) -> bool:
    """ARN parts compared one by one, so a `*` in the region does not swallow the account."""
    have, want = value.split(":", 5), pattern.split(":", 5)
    if len(have) != 6 or len(want) != 6:
        return False
    return all(wildcard(p).match(v) is not None for v, p in zip(have, want, strict=True))


def _number(value: str) -> float:
    return float(value)


_COMPARE: dict[str, tuple[Compare, bool]] = {
    # name -> (comparison, negated)
    "StringEquals": (lambda v, p: v == p, False),
    "StringNotEquals": (lambda v, p: v == p, True),
    "StringEqualsIgnoreCase": (lambda v, p: v.lower() == p.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda v, p: v.lower() == p.lower(), True),
    "StringLike": (_string_like, False),
    "StringNotLike": (_string_like, True),
    "ArnEquals": (_arn_like, False),
    "ArnLike": (_arn_like, False),
    "ArnNotEquals": (_arn_like, True),
    "ArnNotLike": (_arn_like, True),
    "Bool": (lambda v, p: v.lower() == p.lower(), False),
    "NumericEquals": (lambda v, p: _number(v) == _number(p), False),
    "NumericNotEquals": (lambda v, p: _number(v) == _number(p), True),
    "NumericLessThan": (lambda v, p: _number(v) < _number(p), False),
    "NumericLessThanEquals": (lambda v, p: _number(v) <= _number(p), False),
    "NumericGreaterThan": (lambda v, p: _number(v) > _number(p), False),
    "NumericGreaterThanEquals": (lambda v, p: _number(v) >= _number(p), False),
}


def _values(raw: object) -> list[str]:
    items: Iterable[object] = raw if isinstance(raw, list) else [raw]
    return [str(item).lower() if isinstance(item, bool) else str(item) for item in items]


def _one_key(operator: str, present: Sequence[str] | None, wanted: list[str]) -> bool:
    qualifier, _, name = operator.rpartition(":")
    if name == "Null":
        absent = present is None or not present
        return any((value.lower() == "true") == absent for value in wanted)
    if_exists = name.endswith("IfExists")
    base = name.removesuffix("IfExists")
    if base not in _COMPARE:
        raise UnsupportedCondition(f"condition operator {operator!r} is not supported offline")
    compare, negated = _COMPARE[base]
    if present is None or not present:
        if qualifier == "ForAllValues":
            return True
        return if_exists or negated

    def matches(value: str) -> bool:
        return any(compare(value, pattern) for pattern in wanted)

    if qualifier == "ForAllValues":
        hits = [matches(value) for value in present]
        return all(not hit for hit in hits) if negated else all(hits)
    if qualifier == "ForAnyValue":
        hits = [matches(value) for value in present]
        return any(not hit for hit in hits) if negated else any(hits)
    if qualifier:
        raise UnsupportedCondition(f"condition qualifier {qualifier!r} is not supported")
    # A single-valued key: its one value against the alternatives.
    hit = matches(present[0])
    return not hit if negated else hit


def conditions_hold(block: Mapping[str, Mapping[str, object]] | None, context: Context) -> bool:
    """Whether every operator of the block holds for the request's context."""
    if not block:
        return True
    for operator, keys in block.items():
        for key, raw in keys.items():
            if not _one_key(operator, context.get(key.lower()), _values(raw)):
                return False
    return True
