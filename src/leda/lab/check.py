"""`leda lab check`: run a workspace offline and say, step by step, whether it works.

Each step is judged the way the workshop's "how do you know it is working" judges it, from what
the deployment is (the resources the program declares, as the console shows them) and what it
does (invocations, items in the tables, the score, the function's own log, IAM's decisions),
never from the text of the files. The workspace runs with IAM enforced, so lab 1, step 3 meets
the refusal the console shows.

The game is the workshop's, smaller: lab 1 with bursts of `lab1_burst_size` messages, then lab
2 from a score of 300 with bursts of `lab2_burst_size`, duplicates and out-of-order versions
and the injected failures at the workshop's rates. In lab 2 every Reduce batch is also
delivered a second time within the token's window (`--inject redelivered-reduce-batches=100`),
as Lambda may: a small run may see no injected Reduce failure at all, and a token that changes
between deliveries would go unnoticed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from leda.cloud.local_cloud import CloudOptions, LocalCloud
from leda.deployment.deployment import Deployment, DeploymentOptions
from leda.deployment.plan import LocalPlan, MappingPlan
from leda.faults.plan import Fault, FaultPlan
from leda.lab.steps import STEPS, Step
from leda.lab.workspace import check_workspace
from leda.workshop.run import BurstSummary, WorkshopOptions, WorkshopRun
from leda.workshop.tables import SCORE, read_parameter, write_parameter
from stacks.stage_model import DYNAMODB_STREAM_READ

CONDITIONAL_PUT_FAILED = "Conditional put failed"
CONDITIONAL_CHECK_FAILED = "ConditionalCheckFailedException"
PASS, FAIL, NOT_CHECKED = "pass", "fail", "not checked"
WORKSHOP_STATE_BATCH = 100
WORKSHOP_REDUCE_BATCH = 1000


@dataclass(frozen=True)
class CheckOptions:
    workspace: Path
    steps: tuple[str, ...] = ()  # empty: every step
    participant: str = "lab-check"
    lab1_bursts: int = 2
    lab1_burst_size: int = 400
    lab2_bursts: int = 2
    lab2_burst_size: int = 1000
    # Seconds between bursts; the generator checks after half of it. Lab 2's bursts are
    # bigger and retried more, so they get longer.
    interval: float = 14.0
    lab2_interval: float = 24.0


@dataclass
class StepResult:
    step: str
    title: str
    status: str = NOT_CHECKED
    seen: list[str] = field(default_factory=list)  # what the check found
    problems: list[str] = field(default_factory=list)  # what is wrong, and what to do

    @property
    def passed(self) -> bool:
        return self.status == PASS

    def judge(self) -> None:
        self.status = FAIL if self.problems else PASS

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "title": self.title,
            "status": self.status,
            "seen": self.seen,
            "problems": self.problems,
        }


def selected(step_ids: Sequence[str]) -> list[Step]:
    from leda.lab.steps import step

    return [step(step_id) for step_id in step_ids] if step_ids else list(STEPS)


def run_check(
    options: CheckOptions,
    progress: Callable[[str], None] = lambda _: None,
    cloud: LocalCloud | None = None,
) -> list[StepResult]:
    """Run the workspace and judge the selected steps (and only those); on `cloud` if given
    (an offline class, or tests, share one), else on a cloud of its own."""
    check_workspace(options.workspace)
    wanted = selected(options.steps)
    lab1 = DeploymentOptions("lab", participant=options.participant, workspace=options.workspace)
    progress("reading the workspace")
    plan = lab1.plan()  # a workspace that does not read stops here, before any emulator starts
    with ExitStack() as layers:
        if cloud is None:
            cloud = layers.enter_context(LocalCloud(CloudOptions(), progress=progress))
        return _check(options, wanted, lab1, plan, cloud, progress)


def _check(
    options: CheckOptions,
    wanted: list[Step],
    lab1: DeploymentOptions,
    plan: LocalPlan,
    cloud: LocalCloud,
    progress: Callable[[str], None],
) -> list[StepResult]:
    results = {s.id: StepResult(s.id, s.title) for s in STEPS}
    judge = Judge(plan, results)
    judge.declared()
    created = False
    if any(s.lab == 1 for s in wanted):
        with Deployment(cloud, lab1, progress=progress, plan=plan) as deployment:
            judge.deployment, created = deployment, True
            judge.created()
            progress("lab 1: sending bursts")
            with WorkshopRun(deployment, _lab1(options)) as run:
                run.play()
                judge.lab1(run)
    if any(s.lab == 2 for s in wanted):
        lab2 = replace(
            lab1,
            participant=f"{options.participant}-2",
            faults=FaultPlan.parse([f"{Fault.REDELIVERED_REDUCE_BATCHES.value}=100"]),
        )
        with Deployment(cloud, lab2, progress=progress) as deployment:
            judge.deployment, judge.plan = deployment, deployment.plan
            if not created:
                judge.created()
            if all(not results[s.id].problems for s in STEPS if s.lab == 1):
                progress("lab 2: duplicates, older versions, failures and redeliveries")
                _play_lab2(options, cloud, deployment, judge)
            else:
                for s in STEPS:
                    if s.lab == 2:
                        results[s.id].problems.append(
                            "not run: lab 1 must work first (`leda lab check` shows its steps)"
                        )
    for result in results.values():
        if result.problems or result.seen:
            result.judge()
    return [results[s.id] for s in wanted]


def _play_lab2(
    options: CheckOptions, cloud: LocalCloud, deployment: Deployment, judge: Judge
) -> None:
    dynamodb = cloud.client("dynamodb")
    table = deployment.output("parameterTableName")
    write_parameter(dynamodb, table, SCORE, 300)  # lab 2 starts at 300 points
    with WorkshopRun(deployment, _lab2(options)) as run:
        bursts = run.play()
        judge.lab2(run, bursts, read_parameter(dynamodb, table, SCORE))


def _lab1(options: CheckOptions) -> WorkshopOptions:
    return WorkshopOptions(
        bursts=options.lab1_bursts, burst_size=options.lab1_burst_size, interval=options.interval
    )


def _lab2(options: CheckOptions) -> WorkshopOptions:
    return WorkshopOptions(
        lab2=True,
        bursts=options.lab2_bursts,
        burst_size=options.lab2_burst_size,
        interval=options.lab2_interval,
    )


class Judge:
    """Collects what each step's check sees; every problem says what to do, in the
    workshop's terms."""

    def __init__(self, plan: LocalPlan, results: dict[str, StepResult]) -> None:
        self.plan = plan
        self.results = results
        self.deployment: Deployment | None = None

    def _function(self, logical_id: str) -> Any:
        return next(f for f in self.plan.functions if f.logical_id == logical_id)

    def _mapping(self, logical_id: str) -> MappingPlan | None:
        name = self._function(logical_id).name
        return next((m for m in self.plan.mappings if m.function_name == name), None)

    # -- what the program declares (the console's view) -----------------------------------
    def declared(self) -> None:
        step1, step3 = self.results["lab1-step1"], self.results["lab1-step3"]
        state = self._mapping("StateLambda")
        if state is None:
            step1.problems.append(
                "StateLambda has no trigger: add one from IncomingDataStream (StateLambdaTrigger "
                "in lab.yaml)"
            )
        else:
            size = state.settings["batch_size"]
            step1.seen.append(f"trigger IncomingDataStream -> StateLambda, batch size {size}")
            if size != WORKSHOP_STATE_BATCH:
                step1.problems.append(
                    f"the StateLambda trigger's batch size is {size}; the workshop's is "
                    f"{WORKSHOP_STATE_BATCH}"
                )
        map_trigger = self._mapping("MapLambda")
        if map_trigger is not None:
            self.results["lab1-step2"].seen.append("trigger StateTable stream -> MapLambda")
        reduce = self._function("ReduceLambda")
        if reduce.reserved_concurrency != 1:
            have = (
                "not reserved"
                if reduce.reserved_concurrency is None
                else f"{reduce.reserved_concurrency}"
            )
            step3.problems.append(
                f"ReduceLambda's reserved concurrency is {have}; reserve 1, so that one "
                "instance at a time writes AggregateTable (ReduceLambdaReservedConcurrency)"
            )
        else:
            step3.seen.append("ReduceLambda reserved concurrency 1")
        mapping = self._mapping("ReduceLambda")
        if mapping is None:
            step3.problems.append(
                "ReduceLambda has no trigger: add one from ReduceTable (ReduceLambdaTrigger)"
            )
        else:
            size = mapping.settings["batch_size"]
            step3.seen.append(f"trigger ReduceTable stream -> ReduceLambda, batch size {size}")
            if size != WORKSHOP_REDUCE_BATCH:
                step3.problems.append(
                    f"the ReduceLambda trigger's batch size is {size}; the workshop's is "
                    f"{WORKSHOP_REDUCE_BATCH}"
                )

    def created(self) -> None:
        """Lambda's answer to creating each trigger (a role that cannot read its source is
        refused, with Lambda's own message)."""
        assert self.deployment is not None
        step3 = self.results["lab1-step3"]
        for refusal in self.deployment.refused_mappings():
            step = self.results["lab1-step1" if refusal.function == "StateLambda" else "lab1-step3"]
            granted = self._stream_actions(refusal.function)
            missing = [action for action in DYNAMODB_STREAM_READ if action not in granted]
            hint = (
                f"; grant {', '.join(missing)} on table/ReduceTable/stream/* in "
                "ReduceLambdaPolicy, then the trigger can be created"
                if refusal.function == "ReduceLambda"
                else ""
            )
            step.problems.append(f"the trigger was refused: {refusal.message}{hint}")
        if step3.problems == [] and self._mapping("ReduceLambda") is not None:
            step3.seen.append("the ReduceLambda trigger was created")

    def _stream_actions(self, logical_id: str) -> set[str]:
        """The actions the function's role allows on a table's stream records."""
        role = self.plan.role(self._function(logical_id).role_arn)
        allowed: set[str] = set()
        for document in role.policies.values():
            for statement in json.loads(document).get("Statement", []):
                resources = statement.get("Resource", [])
                actions = statement.get("Action", [])
                resources = [resources] if isinstance(resources, str) else resources
                actions = [actions] if isinstance(actions, str) else actions
                if statement.get("Effect") == "Allow" and any("/stream/" in r for r in resources):
                    allowed.update(actions)
        return allowed

    # -- what the pipeline does -----------------------------------------------------------
    def _count(self, output: str) -> int:
        assert self.deployment is not None
        dynamodb = self.deployment.cloud.client("dynamodb")
        table = self.deployment.output(output)
        return int(dynamodb.scan(TableName=table, Select="COUNT", ConsistentRead=True)["Count"])

    def _invocations(self, logical_id: str) -> tuple[int, int]:
        assert self.deployment is not None
        stats = self.deployment.counters()["functions"].get(self._function(logical_id).name, {})
        return int(stats.get("invocations", 0)), int(stats.get("errors", 0))

    def lab1(self, run: WorkshopRun) -> None:
        step1, step2, step3 = (self.results[f"lab1-step{n}"] for n in (1, 2, 3))
        for step, logical_id, output, table in (
            (step1, "StateLambda", "stateTableName", "StateTable"),
            (step2, "MapLambda", "reduceTableName", "ReduceTable"),
            (step3, "ReduceLambda", "aggregateTableName", "AggregateTable"),
        ):
            invoked, failed = self._invocations(logical_id)
            items = self._count(output)
            step.seen.append(f"{logical_id} invoked {invoked} times ({failed} failed)")
            step.seen.append(f"{table} holds {items} items")
            if invoked == 0:
                upstream = "" if step is step1 else " (the steps before it first)"
                step.problems.append(
                    f"{logical_id} was never invoked: no records reach it{upstream}"
                )
            if items == 0:
                step.problems.append(f"{table} stays empty")
        if self._invocations("ReduceLambda")[0] and not self._count("aggregateTableName"):
            refused = self._denied("ReduceLambda", "dynamodb:UpdateItem")
            if refused:
                step3.problems.append(
                    "ReduceLambda's transaction is refused (AccessDenied): its role may not "
                    f"dynamodb:UpdateItem on {', '.join(refused)}; grant it on "
                    "table/AggregateTable in ReduceLambdaPolicy"
                )
        score = int(run.score())
        step3.seen.append(f"score {score}")
        if score < 100:
            step3.problems.append(
                "no points scored: the generator found the aggregates wrong or missing"
            )

    def _denied(self, logical_id: str, action: str) -> list[str]:
        assert self.deployment is not None
        role = self._function(logical_id).role_arn
        return sorted(
            {
                str(d["resource"])
                for d in self.deployment.iam_decisions()
                if d.get("action") == action
                and d.get("decision") != "allow"
                and str(d.get("role", "")) in (role, role.rsplit("/", 1)[-1])
            }
        )

    def lab2(self, run: WorkshopRun, bursts: list[BurstSummary], score: Any) -> None:
        assert self.deployment is not None
        step1, step2 = self.results["lab2-step1"], self.results["lab2-step2"]
        state = self._function("StateLambda")
        log = self.deployment.function_log(state.name)
        refusals = log.count(CONDITIONAL_PUT_FAILED)
        step1.seen.append(f'"{CONDITIONAL_PUT_FAILED}" appears {refusals} times in its log')
        invoked, failed = self._invocations("StateLambda")
        errors = self.deployment.error_types(state.name)
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(errors.items()))
        step1.seen.append(
            f"StateLambda invoked {invoked} times ({failed} failed{': ' + kinds if kinds else ''})"
        )
        raised = errors.get(CONDITIONAL_CHECK_FAILED, 0)
        if raised:
            step1.problems.append(
                f"StateLambda failed {raised} times with {CONDITIONAL_CHECK_FAILED}: the update "
                "is conditional, but a refused write raises it, so the whole batch fails and "
                "Lambda delivers it again while the records behind it wait; catch it (a "
                f'ClientError with that code) and print "{CONDITIONAL_PUT_FAILED}"'
            )
        elif not refusals:
            step1.problems.append(
                f'StateLambda\'s log never says "{CONDITIONAL_PUT_FAILED}": duplicates and older '
                "versions are written again; make the update conditional and catch "
                "ConditionalCheckFailedException"
            )
        waiting = "they wait behind the failing batches"
        gaps = run.state_gaps()
        step1.seen.append(
            f"StateTable: {gaps.trades} trades sent, {gaps.missing} missing, "
            f"{gaps.older} at an older version"
        )
        if gaps.older:
            why = (
                f"their newer versions: {waiting}"
                if raised
                else "a message that arrived late overwrote a newer one; write only when "
                "attribute_not_exists(id) OR Version < :new_version"
            )
            step1.problems.append(
                f"StateTable holds an older version of {gaps.older} trades: {why}"
            )
        if gaps.missing:
            why = (
                waiting
                if raised
                else "the condition refuses a trade's first version; keep "
                "attribute_not_exists(id) in it"
            )
            step1.problems.append(f"{gaps.missing} trades never reached StateTable: {why}")
        duplicated = sum(burst.duplicated for burst in bursts)
        # The last burst's referee counts everything sent so far: an earlier burst judged
        # while still draining (cold workers) is slow, not wrong.
        wrong = [bursts[-1].burst] if bursts and not bursts[-1].correct else []
        step2.seen.append(
            f"score {int(score)} after {len(bursts)} lab-2 bursts; "
            f"{duplicated} messages counted twice"
        )
        if duplicated:
            step2.problems.append(
                f"{duplicated} messages were counted twice: a ReduceLambda batch delivered "
                "again (a retry after a failure, or Lambda's at-least-once delivery) was added "
                "again; pass a ClientRequestToken that is the same on every delivery of a batch "
                "(a hash of its records, not the time or a random value)"
            )
        if int(score) <= 300 or wrong:
            first = "; fix lab 2, step 1 first" if step1.problems else ""
            step2.problems.append(
                f"the score did not climb past 300 (score {int(score)}; aggregates after the "
                f"last burst: {'wrong' if wrong else 'right'}){first}"
            )
