"""A class roster, read from CSV or YAML and checked line by line before anything is made.

One participant per row: `name` (required: the stack's name and the prefix of every resource it
names), and optionally `profile` (the AWS profile their stack deploys with), `region` and
`email` (the SES identity their reminders are sent from). Every problem is reported with its
line and reason, all at once, the way `pulumi up` will not: it stops at the first.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from stacks import naming
from stacks.config import REGION_PATTERN, SENDER_PATTERN, SENDER_RULE
from stacks.project import PROJECT_ROOT

FIELDS = ("name", "profile", "region", "email")
# The stacks the project ships (Pulumi.<stack>.yaml): a participant's stack is named after them.
RESERVED = frozenset(
    path.name.removeprefix("Pulumi.").removesuffix(".yaml").lower()
    for path in PROJECT_ROOT.glob("Pulumi.*.yaml")
)


@dataclass(frozen=True)
class Participant:
    name: str
    line: int
    profile: str | None = None
    region: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class RosterProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class Roster:
    participants: list[Participant]
    problems: list[RosterProblem]


class RosterError(ValueError):
    """The roster cannot be read at all (missing file, not CSV or YAML)."""


def _rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's "CSV UTF-8" has a BOM
    except OSError as error:
        raise RosterError(f"cannot read roster {path}: {error.strerror}") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        return _yaml_rows(text, path)
    if path.suffix.lower() == ".csv":
        return _csv_rows(text, path)
    raise RosterError(f"roster {path}: allowed: a .csv or a .yaml/.yml file")


def _csv_rows(text: str, path: Path) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    if "name" not in header:
        raise RosterError(
            f"roster {path}: the first line must name the columns, with at least `name` "
            f"(allowed: {', '.join(FIELDS)})"
        )
    unknown = sorted(set(header) - set(FIELDS))
    if unknown:
        raise RosterError(
            f"roster {path}: unknown columns {', '.join(unknown)}; allowed: {', '.join(FIELDS)}"
        )
    rows: list[tuple[int, dict[str, Any]]] = []
    for row in reader:
        extra = row.pop(None, None)  # DictReader's restkey: values beyond the header
        values = {key.strip().lower(): (value or "").strip() for key, value in row.items() if key}
        if extra:
            values["__extra__"] = ", ".join(str(value) for value in extra)
        if any(values.values()):
            rows.append((reader.line_num, values))
    return rows


def _yaml_rows(text: str, path: Path) -> list[tuple[int, dict[str, Any]]]:
    """A list of mappings (or of names), each with the line it starts on."""
    try:
        document = yaml.compose(text)
    except yaml.YAMLError as error:
        raise RosterError(f"roster {path} is not YAML: {error}") from None
    if document is None:
        return []
    if not isinstance(document, yaml.SequenceNode):
        raise RosterError(f"roster {path}: allowed: a YAML list of participants")
    rows: list[tuple[int, dict[str, Any]]] = []
    for node in document.value:
        line = node.start_mark.line + 1
        # Every scalar as the text it is: YAML 1.1 would read a participant `no` as false.
        try:
            value = yaml.load(yaml.serialize(node), Loader=yaml.BaseLoader)
        except yaml.YAMLError as error:
            raise RosterError(f"roster {path}, line {line}: {error}") from None
        if isinstance(value, str):
            value = {"name": value}
        if not isinstance(value, dict):
            rows.append((line, {"__bad__": value}))
            continue
        rows.append((line, {str(k).lower(): "" if v is None else str(v) for k, v in value.items()}))
    return rows


def check(rows: list[tuple[int, dict[str, Any]]]) -> Roster:
    participants: list[Participant] = []
    problems: list[RosterProblem] = []
    seen: dict[str, int] = {}
    longest = naming.max_prefix_length()
    for line, row in rows:
        if "__bad__" in row:
            problems.append(RosterProblem(line, "a participant is a name or a mapping with `name`"))
            continue
        extra = row.pop("__extra__", None)
        if extra:
            problems.append(
                RosterProblem(
                    line, f"more values than columns ({extra}); quote a value with a comma"
                )
            )
        unknown = sorted(set(row) - set(FIELDS))
        if unknown:
            problems.append(
                RosterProblem(
                    line, f"unknown fields {', '.join(unknown)}; allowed: {', '.join(FIELDS)}"
                )
            )
        name = row.get("name", "")
        if not name:
            problems.append(RosterProblem(line, "no name"))
            continue
        if not naming.PREFIX_PATTERN.fullmatch(name):
            problems.append(
                RosterProblem(
                    line,
                    f"name {name!r} has characters AWS names refuse; "
                    f"allowed: {naming.PREFIX_CHARACTERS}",
                )
            )
        elif len(name) > longest:
            problems.append(
                RosterProblem(
                    line, f"name {name!r} is {len(name)} characters; allowed: at most {longest}"
                )
            )
        elif name.lower() in RESERVED:
            problems.append(
                RosterProblem(
                    line,
                    f"name {name!r} is a stack the project ships (Pulumi.{name}.yaml): a "
                    "participant's stack of that name would overwrite it; choose another",
                )
            )
        # IAM role names are unique without regard to case: alice and Alice would collide.
        key = name.lower()
        if key in seen:
            problems.append(
                RosterProblem(
                    line,
                    f"name {name!r} is already on line {seen[key]} (names are compared "
                    "without case, as IAM does)",
                )
            )
        else:
            seen[key] = line
        region = row.get("region") or None
        if region is not None and not REGION_PATTERN.fullmatch(region):
            problems.append(
                RosterProblem(
                    line, f"region {region!r} is not a region name; allowed: e.g. us-east-1"
                )
            )
        email = row.get("email") or None
        if email is not None and not SENDER_PATTERN.fullmatch(email):
            problems.append(RosterProblem(line, f"email {email!r}: allowed: {SENDER_RULE}"))
        participants.append(Participant(name, line, row.get("profile") or None, region, email))
    if not rows:
        problems.append(RosterProblem(1, "no participants"))
    return Roster(participants, problems)


def read(path: Path) -> Roster:
    return check(_rows(path))
