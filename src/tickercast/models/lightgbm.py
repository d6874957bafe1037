"""Gradient-boosted trees (LightGBM) on the window's log returns and simple statistics.

Why LightGBM rather than statsforecast's AutoARIMA/AutoETS: the contract predicts from an
arbitrary window of 7 prices, vectorised over thousands of windows. A global regression on
windows does that natively (one ``predict`` call), whereas ARIMA/ETS state depends on a
series' whole history and is fitted per series. LightGBM was also the backbone of most top
M5 entries, trains in seconds on 2 cores, and saves as plain text (no pickles).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from tickercast.errors import ModelError
from tickercast.features import log_returns, supervised_windows, window_features
from tickercast.models.base import Forecaster

if TYPE_CHECKING:
    import lightgbm

__all__ = ["MODEL_FILE", "LightGBMForecaster"]

MODEL_FILE = "lightgbm.txt"
"""LightGBM's native model text, which its C library also serves from (``models.light``)."""
_PARALLEL_FROM = 1_000  # windows per call from which LightGBM's threads pay off


class LightGBMForecaster(Forecaster):
    """Median (L1) boosting of the next standardised log return; early stopping on the most
    recent ``val_frac`` of the training windows, which then calibrate the intervals."""

    name: ClassVar[str] = "lightgbm"

    def __init__(
        self,
        window: int = 6,
        n_estimators: int = 400,
        learning_rate: float = 0.03,
        num_leaves: int = 15,
        min_child_samples: int = 200,
        val_frac: float = 0.1,
        patience: int = 40,
        seed: int = 0,
        calib_size: int = 250,
        vol_weight: float = 0.5,
    ) -> None:
        super().__init__(window=window, calib_size=calib_size, vol_weight=vol_weight)
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.val_frac = val_frac
        self.patience = patience
        self.seed = seed

    def _features(self, windows: np.ndarray) -> np.ndarray:
        return window_features(log_returns(windows) / self.scale_)

    def _fit(self, prices: np.ndarray, *, progress: bool) -> int:
        import lightgbm as lgb

        x, y = supervised_windows(prices, self.window)
        n_val = max(self.min_holdout, int(len(y) * self.val_frac))
        n_fit = len(y) - n_val
        train_r = log_returns(prices[: n_fit + self.window + 1])
        self.scale_ = float(max(np.std(train_r), 1e-8))
        feats = self._features(x)
        target = y / self.scale_
        params = {
            "objective": "l1",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": min(self.min_child_samples, max(n_fit // 4, 1)),
            "feature_fraction": 0.8,
            "bagging_fraction": 0.8,
            "bagging_freq": 1,
            "lambda_l2": 1.0,
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,
            "num_threads": 1,
            "verbosity": -1,
        }
        train = lgb.Dataset(feats[:n_fit], target[:n_fit], free_raw_data=True)
        valid = lgb.Dataset(feats[n_fit:], target[n_fit:], reference=train)
        self.booster_: lightgbm.Booster = lgb.train(
            params,
            train,
            num_boost_round=self.n_estimators,
            valid_sets=[valid],
            callbacks=[lgb.early_stopping(self.patience, verbose=False)],
        )
        return n_fit + self.window + 1

    def _predict_returns(self, windows: np.ndarray) -> np.ndarray:
        return self._trees(self._features(windows)) * self.scale_

    def _trees(self, features: np.ndarray) -> np.ndarray:
        """The boosted trees' raw output per feature row (the light form overrides this)."""
        # one thread for small batches: waking LightGBM's OpenMP pool costs more than a
        # single-window prediction (~0.7 ms vs ~30 us), which matters per API request
        threads = 1 if len(features) < _PARALLEL_FROM else 0
        pred = self.booster_.predict(
            features, num_iteration=self.best_iteration, num_threads=threads
        )
        return np.asarray(pred, dtype=np.float64)

    @property
    def best_iteration(self) -> int | None:
        """The trees ``predict`` uses: early stopping's best round, or all (None)."""
        return self.booster_.best_iteration or None

    def _state_to_json(self) -> dict[str, Any]:
        return {"scale": self.scale_}

    def _state_from_json(self, state: dict[str, Any]) -> None:
        self.scale_ = float(state["scale"])

    def _save_state(self, directory: Path) -> None:
        self.booster_.save_model(str(directory / MODEL_FILE))

    def _load_state(self, directory: Path) -> None:
        import lightgbm as lgb

        path = directory / MODEL_FILE
        if not path.is_file():
            raise ModelError(f"{path} is missing; the lightgbm model directory is incomplete")
        self.booster_ = lgb.Booster(model_file=str(path))
