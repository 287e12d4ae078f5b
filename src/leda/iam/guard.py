"""IAM in a function's own process: every boto3 call authorized before it leaves.

The worker that runs a function installs a Guard before it imports the function's code. The
Guard registers on every botocore client the process creates (any session, so a function that
makes its own boto3 Session is covered too) and, before a request is sent, decides it with the
role's policies; a refusal is handed back to botocore as the service's own error response, so
the function sees the ClientError it would see on AWS, and nothing reaches the emulator.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from leda.iam.policy import Decision, Policy, Request, decide, granting
from leda.iam.refusals import Refusal, denied, principal, unmapped
from leda.iam.requests import Place, Unmapped, requests_for
from leda.workers.service_errors import error_response

_PARAMS = "leda_iam_params"


@dataclass(frozen=True)
class Identity:
    """Who a function calls as: its role, the role's policies, and where its stack lives."""

    role_arn: str
    session: str  # the function's name: the assumed-role session Lambda uses
    policies: tuple[Policy, ...]
    place: Place
    # Where to note every distinct decision and the statements that allowed it (the workload
    # coverage of each grant); None: nowhere.
    journal: str | None = None

    @property
    def caller(self) -> str:
        return principal(self.role_arn, self.session)

    def to_json(self, documents: Mapping[str, Any]) -> str:
        return json.dumps(
            {
                "role_arn": self.role_arn,
                "session": self.session,
                "region": self.place.region,
                "account": self.place.account,
                "policies": documents,
                "journal": self.journal,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Identity:
        raw = json.loads(text)
        return cls(
            raw["role_arn"],
            raw["session"],
            tuple(Policy.parse(name, doc) for name, doc in raw["policies"].items()),
            Place(raw["region"], raw["account"]),
            raw.get("journal"),
        )


class Guard:
    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self._decide = lru_cache(maxsize=8192)(self._decide_uncached)

    @classmethod
    def load(cls, path: str | Path) -> Guard:
        return cls(Identity.from_json(Path(path).read_text(encoding="utf-8")))

    def authorize(self, service: str, operation: str, params: Mapping[str, Any]) -> Refusal | None:
        """None if the call may go; else the refusal the service would answer with."""
        try:
            needed = requests_for(service, operation, params, self.identity.place)
        except Unmapped as reason:
            return unmapped(service, str(reason))
        for request in needed:
            decision = self._decide(request.action, request.resource, _frozen(request.context))
            if decision is not Decision.ALLOW:
                return denied(service, self.identity.caller, request, decision)
        return None

    def _decide_uncached(
        self, action: str, resource: str, context: tuple[tuple[str, tuple[str, ...]], ...]
    ) -> Decision:
        request = Request(action, resource, dict(context))
        decision = decide(self.identity.policies, request)
        if self.identity.journal:
            note(self.identity.journal, self.identity, request, decision)
        return decision

    # -- botocore ----------------------------------------------------------------------------
    def install(self) -> Callable[[], None]:
        """Guard every client created from now on in this process; returns the undo (for
        tests: a function's worker keeps its guard for life)."""
        import botocore.session

        guard = self
        original = botocore.session.Session.create_client

        def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(session, *args, **kwargs)
            client.meta.events.register("before-parameter-build.*.*", _keep_params)
            client.meta.events.register("before-call.*.*", guard._before_call)
            return client

        botocore.session.Session.create_client = create_client  # type: ignore[method-assign,assignment]

        def undo() -> None:
            botocore.session.Session.create_client = original  # type: ignore[method-assign]

        return undo

    def _before_call(self, model: Any, context: dict[str, Any], **_: Any) -> Any:
        service = model.service_model.service_name
        refusal = self.authorize(service, model.name, context.get(_PARAMS, {}))
        if refusal is None:
            return None
        return _error_response(refusal)


def note(journal: str, identity: Identity, request: Request, decision: Decision) -> None:
    """One line per distinct decision: who, what, on what, and which statements allowed it."""
    line = json.dumps(
        {
            "role": identity.role_arn,
            "session": identity.session,
            "action": request.action,
            "resource": request.resource,
            "context": {key: list(values) for key, values in request.context.items()},
            "decision": decision.value,
            "granted_by": list(granting(identity.policies, request)),
        }
    )
    with open(journal, "a", encoding="utf-8") as file:  # one write: lines do not interleave
        file.write(line + "\n")


def _keep_params(params: Any, context: dict[str, Any], **_: Any) -> None:
    context[_PARAMS] = dict(params)


def _frozen(context: Mapping[str, Any]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(sorted((key, tuple(values)) for key, values in context.items()))


def _error_response(refusal: Refusal) -> tuple[Any, dict[str, Any]]:
    """What botocore would have parsed from the service's error: it raises the ClientError."""
    return error_response(refusal.code, refusal.message, refusal.status)
