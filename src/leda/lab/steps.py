"""The workshop's lab steps, each with the part of the workspace a participant edits for it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    file: str  # relative to the workspace
    marker: str  # the text after `>>>` and `<<<` on the lines that enclose it


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    regions: tuple[Region, ...]  # nothing to edit: a step that only checks

    @property
    def lab(self) -> int:
        return int(self.id[3])


STEPS: tuple[Step, ...] = (
    Step(
        "lab1-step1",
        "Lab 1, step 1: connect StateLambda to the Kinesis stream",
        (Region("lab.yaml", "lab1-step1"),),
    ),
    Step("lab1-step2", "Lab 1, step 2: check the MapLambda trigger", ()),
    Step(
        "lab1-step3",
        "Lab 1, step 3: connect ReduceLambda (concurrency, trigger, policy)",
        (Region("lab.yaml", "lab1-step3"),),
    ),
    Step(
        "lab2-step1",
        "Lab 2, step 1: no duplicates from StateLambda",
        (Region("functions/state_lambda.py", "lab2-step1"),),
    ),
    Step(
        "lab2-step2",
        "Lab 2, step 2: an idempotent ReduceLambda",
        (Region("functions/reduce_lambda.py", "lab2-step2"),),
    ),
)


class UnknownStep(ValueError):
    pass


def step(step_id: str) -> Step:
    for candidate in STEPS:
        if candidate.id == step_id:
            return candidate
    allowed = " | ".join(s.id for s in STEPS)
    raise UnknownStep(f"unknown step {step_id!r}; allowed: {allowed}")
