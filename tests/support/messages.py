"""Trade messages for tests, with fresh timestamps so StateLambda does not skip them as old."""

from __future__ import annotations

import time
from decimal import Decimal

from leda_pipeline.domain.hierarchy import Hierarchy
from leda_pipeline.domain.messages import TradeMessage

SPOT_AMER = Hierarchy("Delta", "FXSpot", "AMER")
OPT_APAC = Hierarchy("PV", "FXOptions", "APAC")


def trade(
    trade_id: str, value: str, version: int = 1, hierarchy: Hierarchy = SPOT_AMER
) -> TradeMessage:
    return TradeMessage(
        trade_id, Decimal(value), version, Decimal(str(round(time.time(), 3))), hierarchy
    )


def wire(message: TradeMessage) -> bytes:
    return message.to_json().encode()
