"""The random walk, "tomorrow = today": the yardstick every other model must beat."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from tickercast.models.base import Forecaster

__all__ = ["NaiveForecaster"]


class NaiveForecaster(Forecaster):
    """Predicts a zero log return. Nothing to train, but ``fit`` still calibrates intervals
    from its residuals (every one of which is out of sample, since nothing was learnt)."""

    name: ClassVar[str] = "naive"
    min_holdout: ClassVar[int] = 10

    def _fit(self, prices: np.ndarray, *, progress: bool) -> int:
        return self.window + 1

    def _predict_returns(self, windows: np.ndarray) -> np.ndarray:
        return np.zeros(windows.shape[0])
