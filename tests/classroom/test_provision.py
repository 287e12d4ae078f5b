"""Provisioning a class through the stack interface: the parallelism bound, re-runs that update
rather than duplicate, one failure isolated; and the Automation API implementation building the
right stack names, config and program path (its Pulumi CLI calls replaced by a recorder)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from leda.classroom.provision import destroy, provision
from leda.classroom.roster import Participant
from leda.classroom.stacks import AutomationBackend, StackFailure, StackSpec, spec_for
from stacks.project import PROJECT_ROOT


class RecordingBackend:
    """Stacks in a dict; `fail` names participants whose `up` fails; counts concurrency."""

    def __init__(self, fail: set[str] | None = None, seconds: float = 0.05) -> None:
        self.stacks: dict[str, dict[str, str]] = {}
        self.fail = fail or set()
        self.seconds = seconds
        self.calls: list[tuple[str, str]] = []
        self.active = 0
        self.most_active = 0
        self._lock = threading.Lock()

    def up(self, spec: StackSpec, progress: Callable[[str], None]) -> str:
        with self._lock:
            self.active += 1
            self.most_active = max(self.most_active, self.active)
            self.calls.append(("up", spec.stack))
        try:
            time.sleep(self.seconds)
            progress("Updating (dev)")
            if spec.participant in self.fail:
                raise StackFailure(
                    "error: AccessDenied: not authorized to perform kinesis:CreateStream"
                )
            existed = spec.stack in self.stacks
            self.stacks[spec.stack] = dict(spec.config)
            return "updated" if existed else "created"
        finally:
            with self._lock:
                self.active -= 1

    def destroy(self, spec: StackSpec) -> None:
        self.calls.append(("destroy", spec.stack))
        self.stacks.pop(spec.stack, None)

    def outputs(self, spec: StackSpec) -> dict[str, Any]:
        if spec.stack not in self.stacks:
            raise StackFailure(f"error: no stack named '{spec.stack}' found")
        return {"stage": self.stacks[spec.stack]["leda:stage"]}

    def last_update(self, spec: StackSpec) -> str | None:
        return "2026-12-03T00:00:00Z" if spec.stack in self.stacks else None


def _specs(count: int, stage: str = "broken") -> list[StackSpec]:
    return [spec_for(Participant(f"p{i}", i + 2), stage, "t@example.org") for i in range(count)]


def test_at_most_k_at_once_and_outcomes_in_roster_order():
    backend = RecordingBackend()
    outcomes = provision(backend, _specs(6), parallel=2)
    assert backend.most_active == 2
    assert [o.participant for o in outcomes] == [f"p{i}" for i in range(6)]
    assert all(o.result == "created" for o in outcomes)


def test_running_again_updates_and_never_duplicates():
    backend = RecordingBackend(seconds=0)
    provision(backend, _specs(3), parallel=3)
    again = provision(backend, _specs(3, stage="wired"), parallel=3)
    assert [o.result for o in again] == ["updated"] * 3
    assert sorted(backend.stacks) == ["p0", "p1", "p2"]
    assert {config["leda:stage"] for config in backend.stacks.values()} == {"wired"}


def test_one_failure_is_reported_and_the_others_go_on():
    backend = RecordingBackend(fail={"p1"}, seconds=0)
    progress: list[tuple[str, str]] = []
    outcomes = provision(
        backend, _specs(3), parallel=1, progress=lambda who, line: progress.append((who, line))
    )
    assert [(o.participant, o.result) for o in outcomes] == [
        ("p0", "created"),
        ("p1", "failed"),
        ("p2", "created"),
    ]
    assert outcomes[1].reason.startswith("error: AccessDenied")
    assert sorted(backend.stacks) == ["p0", "p2"]
    assert ("p2", "Updating (dev)") in progress


def test_destroy_only_the_ones_named():
    backend = RecordingBackend(seconds=0)
    specs = _specs(3)
    provision(backend, specs)
    outcomes = destroy(backend, [s for s in specs if s.participant == "p1"])
    assert [(o.participant, o.result) for o in outcomes] == [("p1", "destroyed")]
    assert sorted(backend.stacks) == ["p0", "p2"]


def test_parallel_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        provision(RecordingBackend(), _specs(1), parallel=0)


def test_a_participants_stack_spec():
    spec = spec_for(
        Participant("alice", 2, "team-a", "eu-west-1", "alice@example.org"), "wired", None
    )
    assert spec.stack == "alice"
    assert spec.work_dir == PROJECT_ROOT and (spec.work_dir / "Pulumi.yaml").is_file()
    assert spec.config == {
        "leda:participant": "alice",
        "leda:stage": "wired",
        "aws:region": "eu-west-1",
        "leda:senderEmail": "alice@example.org",
    }
    assert spec.env == {"AWS_PROFILE": "team-a"}
    plain = spec_for(Participant("bob", 3), "broken", "class@example.org")
    assert plain.config["aws:region"] == "us-east-1"
    assert plain.config["leda:senderEmail"] == "class@example.org"
    assert plain.env == {}


class _FakeStack:
    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record

    def history(self, page_size: int) -> list[Any]:
        return []

    def set_all_config(self, config: dict[str, Any]) -> None:
        self.record["config"] = {key: value.value for key, value in config.items()}

    def up(self, **options: Any) -> None:
        self.record["up"] = options


def test_the_automation_backend_selects_the_stack_in_the_project_with_its_config(monkeypatch):
    from pulumi import automation as auto

    record: dict[str, Any] = {}

    def create_or_select_stack(**arguments: Any) -> _FakeStack:
        record["arguments"] = arguments
        return _FakeStack(record)

    monkeypatch.setattr(auto, "create_or_select_stack", create_or_select_stack)
    monkeypatch.setattr("shutil.which", lambda name: f"/usr/local/bin/{name}")  # a CLI "there"
    spec = spec_for(Participant("alice", 2, "team-a"), "hardened", "a@example.org")
    assert AutomationBackend().up(spec, lambda line: None) == "created"
    arguments = record["arguments"]
    assert arguments["stack_name"] == "alice"
    assert Path(arguments["work_dir"]) == PROJECT_ROOT
    assert arguments["opts"].env_vars == {"AWS_PROFILE": "team-a"}
    assert record["config"] == dict(spec.config)
    assert callable(record["up"]["on_output"])
