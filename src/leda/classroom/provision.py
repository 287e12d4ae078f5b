"""Provisioning a class: every participant's stack up, K at a time, one failure isolated."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from leda.classroom.stacks import StackBackend, StackFailure, StackSpec


@dataclass(frozen=True)
class Outcome:
    participant: str
    stack: str
    result: str  # created | updated | destroyed | failed
    reason: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.result != "failed"


def for_each(
    specs: Sequence[StackSpec],
    operation: Callable[[StackSpec], str],
    parallel: int,
    on_done: Callable[[Outcome], None] = lambda _: None,
) -> list[Outcome]:
    """Run `operation` on every stack, at most `parallel` at once; outcomes in roster order.
    A failure is that participant's row, with its reason; the others go on."""
    import time

    if parallel < 1:
        raise ValueError(f"parallel must be at least 1, not {parallel}")

    def one(spec: StackSpec) -> Outcome:
        started = time.monotonic()
        try:
            result = operation(spec)
        except StackFailure as error:
            outcome = Outcome(spec.participant, spec.stack, "failed", str(error))
        except Exception as error:  # any other error is still this participant's alone
            outcome = Outcome(
                spec.participant, spec.stack, "failed", f"{type(error).__name__}: {error}"
            )
        else:
            outcome = Outcome(spec.participant, spec.stack, result)
        outcome = Outcome(
            outcome.participant,
            outcome.stack,
            outcome.result,
            outcome.reason,
            round(time.monotonic() - started, 1),
        )
        on_done(outcome)
        return outcome

    pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="stack")
    try:
        outcomes = list(pool.map(one, specs))
    except BaseException:
        # Ctrl-C: the stacks not started yet are not started at all.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return outcomes


def provision(
    backend: StackBackend,
    specs: Sequence[StackSpec],
    parallel: int = 4,
    progress: Callable[[str, str], None] = lambda participant, line: None,
    on_done: Callable[[Outcome], None] = lambda _: None,
) -> list[Outcome]:
    """Create or update each stack with its config: running it again updates, never duplicates."""
    return for_each(
        specs,
        lambda spec: backend.up(spec, lambda line: progress(spec.participant, line)),
        parallel,
        on_done,
    )


def destroy(
    backend: StackBackend,
    specs: Sequence[StackSpec],
    parallel: int = 4,
    on_done: Callable[[Outcome], None] = lambda _: None,
) -> list[Outcome]:
    def gone(spec: StackSpec) -> str:
        backend.destroy(spec)
        return "destroyed"

    return for_each(specs, gone, parallel, on_done)
