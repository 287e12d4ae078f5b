"""Scores of deployed stacks: each participant's ParameterTable, read with their own profile."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from leda.aws.target import AwsTarget
from leda.classroom.roster import Participant
from leda.classroom.scoreboard import Reading
from leda.classroom.stacks import StackBackend, spec_for
from leda.workshop.tables import SCORE, read_parameter


def stack_score(participant: Participant, outputs: dict[str, Any]) -> int:
    table = outputs.get("parameterTableName")
    if not isinstance(table, str):
        raise LookupError("the stack exports no parameterTableName: not deployed yet?")
    region = str(outputs.get("region") or participant.region or "") or None
    client = AwsTarget(region, participant.profile).client("dynamodb")
    return int(read_parameter(client, table, SCORE))


class StackScores:
    """A ScoreSource over the class's deployed stacks."""

    def __init__(self, backend: StackBackend, participants: Sequence[Participant]) -> None:
        self._backend = backend
        self._by_name = {p.name: p for p in participants}

    def participants(self) -> Sequence[str]:
        return list(self._by_name)

    def read(self, participant: str) -> Reading:
        who = self._by_name[participant]
        outputs = self._backend.outputs(spec_for(who, "broken", None))
        return Reading(str(outputs.get("stage", "-")), stack_score(who, outputs))
