"""Forecasting models behind one contract, registered by name.

``MODELS`` maps a name (``"naive"``, ``"lstm"``, ``"lightgbm"``, ``"seed-lstm"``) to its class;
``create_model`` builds one with parameters, ``load_model`` reads any saved model directory.
Importing this package does not import torch or lightgbm; they load when a model fits or loads.
``models.light`` holds every kind's light serving form (numpy only), exported at registration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tickercast.errors import ModelError, ModelNotFound
from tickercast.models.base import Forecast, Forecaster, read_params
from tickercast.models.lightgbm import LightGBMForecaster
from tickercast.models.lstm import LSTMForecaster
from tickercast.models.naive import NaiveForecaster
from tickercast.models.seed_lstm import SeedLSTMForecaster

__all__ = [
    "MODELS",
    "Forecast",
    "Forecaster",
    "LSTMForecaster",
    "LightGBMForecaster",
    "NaiveForecaster",
    "SeedLSTMForecaster",
    "create_model",
    "load_model",
]

MODELS: dict[str, type[Forecaster]] = {
    cls.name: cls
    for cls in (NaiveForecaster, LSTMForecaster, LightGBMForecaster, SeedLSTMForecaster)
}


def create_model(name: str, **params: Any) -> Forecaster:
    """An unfitted model by registered name; unknown names or parameters raise clearly."""
    try:
        cls = MODELS[name]
    except KeyError:
        raise ModelNotFound(
            f"unknown model {name!r}; available: {', '.join(sorted(MODELS))}"
        ) from None
    try:
        return cls(**params)
    except TypeError as exc:
        raise ModelError(f"bad parameters for model {name!r}: {exc}") from exc


def load_model(directory: Path | str) -> Forecaster:
    """Load a saved model of any registered kind (the kind is read from params.json)."""
    name = read_params(Path(directory))["name"]
    if name not in MODELS:
        raise ModelError(f"{directory} holds unknown model kind {name!r}")
    return MODELS[name].load(Path(directory))
