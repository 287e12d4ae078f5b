"""The lab stage a function runs in: one environment variable, one artifact for every stage."""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import StrEnum

STAGE_VARIABLE = "LEDA_STAGE"


class Stage(StrEnum):
    BROKEN = "broken"
    WIRED = "wired"
    FAULT_TOLERANT = "fault-tolerant"

    @property
    def exactly_once(self) -> bool:
        """The lab-2 code paths: version-conditional state, idempotent reduce."""
        return self is Stage.FAULT_TOLERANT

    @classmethod
    def parse(cls, text: str) -> Stage:
        try:
            return cls(text)
        except ValueError:
            allowed = " | ".join(stage.value for stage in cls)
            raise ValueError(f"unknown stage {text!r}; allowed: {allowed}") from None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Stage:
        text = environ.get(STAGE_VARIABLE)
        if text is None:
            raise ValueError(
                f"{STAGE_VARIABLE} is not set; allowed: broken | wired | fault-tolerant"
            )
        return cls.parse(text)
