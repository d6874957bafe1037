"""The models being served: what they are, how they validated, when they were loaded."""

from __future__ import annotations

import math

from fastapi import APIRouter

from tickercast.champions.store import ServedModel
from tickercast.serving.deps import ModelStoreDep
from tickercast.serving.problems import problem_responses
from tickercast.serving.schemas import ServedModelPublic

router = APIRouter(prefix="/v1/models", tags=["models"])


def _public(served: ServedModel) -> ServedModelPublic:
    info = served.info
    relative = getattr(info, "relative_mae", math.nan)
    finite = math.isfinite(relative)
    return ServedModelPublic(
        ticker=served.ticker,
        model=served.model.name,
        version=served.version,
        trained_from=getattr(info, "trained_from", None),
        trained_to=getattr(info, "trained_to", None),
        relative_mae=relative if finite else None,
        skill=1 - relative if finite else None,
        beats_naive=bool(getattr(info, "beats_naive", False)),
        beats_naive_p_value=getattr(info, "p_value", None),
        margin=getattr(info, "margin", None),
        alpha=getattr(info, "alpha", None),
        serving_naive=served.model.name == "naive",
        metrics={k: v for k, v in getattr(info, "metrics", {}).items() if math.isfinite(v)},
        loaded_at=served.loaded_at,
        warning=served.warning,
    )


@router.get("", response_model=list[ServedModelPublic], responses=problem_responses())
def list_models(store: ModelStoreDep) -> list[ServedModelPublic]:
    """Every ticker's served champion."""
    return [_public(s) for _, s in sorted(store.loaded().items())]


@router.get(
    "/{ticker}",
    response_model=ServedModelPublic,
    responses=problem_responses(404),
)
def get_model(ticker: str, store: ModelStoreDep) -> ServedModelPublic:
    """The champion served for one ticker, its trained range and validation against naive."""
    return _public(store.get(ticker))
