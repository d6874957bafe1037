"""Registered models as MLflow pyfunc models, so ``mlflow.pyfunc.load_model`` and
``mlflow models serve`` can use them; the service keeps reading the native files directly.

Window contract (also written into each model's MLmodel metadata): the input is a DataFrame
with one column ``prices``, each row one window of daily closes, oldest first, finite and
> 0, at least ``window + 1`` long (only the last ``window + 1`` are used). The output has
one row per window: ``point`` (next close) and ``lower_<L>``/``upper_<L>`` for each level in
the ``levels`` parameter (default 80 and 95).

This module imports mlflow at import time (``PythonModel`` is its base class), so only
``registry.log_training_run`` and MLflow itself import it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow.pyfunc import PythonModel

from tickercast import __version__
from tickercast.models import Forecaster, load_model

__all__ = ["ARTIFACT", "DEFAULT_LEVELS", "ForecasterPyfunc", "save_pyfunc"]

ARTIFACT = "forecaster"
DEFAULT_LEVELS = [80, 95]


class ForecasterPyfunc(PythonModel):
    """A saved tickercast Forecaster behind MLflow's python_function flavour."""

    def load_context(self, context: Any) -> None:
        self.model = load_model(context.artifacts[ARTIFACT])

    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        levels = [int(lv) for lv in (params or {}).get("levels", DEFAULT_LEVELS)]
        return forecast_frame(self.model, model_input, levels)


def forecast_frame(model: Forecaster, frame: pd.DataFrame, levels: list[int]) -> pd.DataFrame:
    size = model.window + 1
    windows = np.stack([np.asarray(w, dtype=np.float64)[-size:] for w in frame["prices"]])
    forecast = model.predict(windows, levels=levels)
    out = {"point": forecast.point}
    for lv in levels:
        out[f"lower_{lv}"] = forecast.lower[lv]
        out[f"upper_{lv}"] = forecast.upper[lv]
    return pd.DataFrame(out)


def save_pyfunc(model: Forecaster, native_dir: Path, target: Path) -> None:
    """Write ``target`` as an MLflow pyfunc model holding ``native_dir`` as its artifact."""
    from mlflow.models import infer_signature

    window = model.window + 1
    example = pd.DataFrame({"prices": [list(100.0 * np.exp(np.linspace(0, 0.02, window)))]})
    signature = infer_signature(
        example,
        forecast_frame(model, example, DEFAULT_LEVELS),
        params={"levels": DEFAULT_LEVELS},
    )
    mlflow.pyfunc.save_model(
        path=str(target),
        python_model=ForecasterPyfunc(),
        artifacts={ARTIFACT: str(native_dir)},
        signature=signature,
        input_example=example,
        pip_requirements=[f"tickercast=={__version__}"],
        metadata={
            "tickercast.model": model.name,
            "tickercast.window": window,
            "tickercast.contract": "column 'prices': one window of daily closes per row, "
            f"oldest first, finite and > 0, at least {window} long; output: point and "
            "lower_<L>/upper_<L> per level in params['levels'] (default [80, 95])",
        },
    )
