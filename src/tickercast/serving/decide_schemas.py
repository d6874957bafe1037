"""Request and response models of ``POST /v1/decide`` and the backtest view."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tickercast.serving.schemas import ModelRefPublic, Price

Volume = Annotated[float, Field(ge=0, allow_inf_nan=False)]

__all__ = ["CostsIn", "DecideRequest", "DecisionPublic", "PositionIn", "RiskIn"]

_STRICT = ConfigDict(strict=True, allow_inf_nan=False, extra="forbid")


class PositionIn(BaseModel):
    """``{shares, cash}`` (exact quantities) or ``{weight}`` (optionally with ``equity``);
    ``{}`` is no position (weight 0)."""

    model_config = _STRICT

    shares: float | None = Field(None, description="Shares held (negative: short).")
    cash: float | None = Field(None, description="Cash held, in the account's currency.")
    weight: float | None = Field(None, ge=-1, le=1, description="Position as a fraction of equity.")
    equity: float | None = Field(
        None, gt=0, description="Account value, to size a weight in shares."
    )

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        exact = self.shares is not None or self.cash is not None
        if exact and self.weight is not None:
            raise ValueError("give shares and cash, or weight, not both")
        if exact and (self.shares is None or self.cash is None):
            raise ValueError("shares and cash go together; give both")
        if not exact and self.weight is None:
            self.weight = 0.0
        return self


class RiskIn(BaseModel):
    model_config = _STRICT

    max_weight: float = Field(1.0, gt=0, le=1, description="Largest position, fraction of equity.")
    target_vol: float | None = Field(None, gt=0, le=5, description="Volatility target, annualised.")
    kelly_fraction: float | None = Field(
        None, gt=0, le=1, description="Fractional Kelly (default 0.25 when no target_vol)."
    )
    allow_short: bool = False
    max_adv_share: float = Field(
        0.01, gt=0, le=1, description="One trade moves at most this share of 20-day volume."
    )
    min_edge_bps: float = Field(
        1.0, ge=0, le=10_000, description="Trade only above this edge after costs (bps of equity)."
    )


class CostsIn(BaseModel):
    model_config = _STRICT

    commission_bps: float = Field(1.0, ge=0, le=1_000)
    slippage_bps: float = Field(5.0, ge=0, le=1_000)
    fixed: float = Field(0.0, ge=0, description="Fixed cost per trade, in the account's currency.")


class DecideRequest(BaseModel):
    model_config = ConfigDict(
        strict=True,
        allow_inf_nan=False,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "ticker": "AMZN",
                    "position": {"shares": 10, "cash": 5000},
                    "risk": {"max_weight": 0.5, "kelly_fraction": 0.25},
                    "costs": {"commission_bps": 1, "slippage_bps": 5, "fixed": 0},
                },
                {"ticker": "AMZN", "position": {"weight": 0.0}},
            ]
        },
    )

    ticker: str | None = Field(None, description="Default: the service's default ticker.")
    prices: list[Price] | None = Field(
        None,
        min_length=7,
        max_length=10_000,
        description="Recent closes, oldest first, at least 7 (else stored history).",
    )
    volumes: list[Volume] | None = Field(
        None,
        min_length=7,
        max_length=10_000,
        description="Daily volumes aligned with prices (volume cap).",
    )
    position: PositionIn = Field(default_factory=lambda: PositionIn(weight=0.0))
    risk: RiskIn = Field(default_factory=RiskIn)
    costs: CostsIn = Field(default_factory=CostsIn)

    @field_validator("prices")
    @classmethod
    def _positive(cls, prices: list[float] | None) -> list[float] | None:
        for i, p in enumerate(prices or []):
            if p <= 0:
                raise ValueError(f"prices[{i}] is {p}; prices must be > 0")
        return prices

    @field_validator("volumes")
    @classmethod
    def _non_negative(cls, volumes: list[float] | None) -> list[float] | None:
        for i, v in enumerate(volumes or []):
            if v < 0:
                raise ValueError(f"volumes[{i}] is {v}; volumes must be >= 0")
        return volumes

    @model_validator(mode="after")
    def _aligned(self) -> Self:
        if self.volumes is not None and (
            self.prices is None or len(self.volumes) != len(self.prices)
        ):
            raise ValueError("volumes must come with prices, one volume per price")
        return self


class DecisionPublic(BaseModel):
    ticker: str
    as_of: dt.date | None = Field(None, description="Date of the last stored bar used, if any.")
    last_price: float
    action: Literal["buy", "sell", "hold"]
    current_weight: float
    target_weight: float = Field(description="Weight of equity after the trade.")
    quantity: int | None = Field(
        description="Whole shares to trade (+ buy, - sell); null when only a weight was given."
    )
    expected_return: float = Field(description="Expected next-session log return.")
    prob_up: float = Field(description="Probability the next close is above the last one.")
    sigma: float = Field(description="Std. dev. of the next log return, from the intervals.")
    edge_after_costs: float = Field(
        description="Expected one-session gain of the trade after costs, fraction of equity."
    )
    reason: str
    model: ModelRefPublic
