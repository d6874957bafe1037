"""A small LSTM on standardised log returns (PyTorch, CPU).

Works on returns, not price levels, so it does not break when prices leave the training
range; the scaler is fit on the training rows only (the early-stopping tail excluded).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from tickercast.features import log_returns, supervised_windows
from tickercast.models import _torch
from tickercast.models.base import Forecaster

if TYPE_CHECKING:
    import torch

__all__ = ["LSTMForecaster"]


class LSTMForecaster(Forecaster):
    """Window of standardised returns -> next standardised return, Huber loss, Adam, early
    stopping on the most recent ``val_frac`` of windows (whose residuals then calibrate the
    intervals). Seeded: the same data and seed give the same weights."""

    name: ClassVar[str] = "lstm"

    def __init__(
        self,
        window: int = 6,
        hidden: int = 32,
        layers: int = 1,
        epochs: int = 30,
        batch_size: int = 256,
        lr: float = 3e-3,
        patience: int = 4,
        val_frac: float = 0.1,
        seed: int = 0,
        calib_size: int = 250,
        vol_weight: float = 0.5,
    ) -> None:
        super().__init__(window=window, calib_size=calib_size, vol_weight=vol_weight)
        self.hidden = hidden
        self.layers = layers
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.patience = patience
        self.val_frac = val_frac
        self.seed = seed

    def _fit(self, prices: np.ndarray, *, progress: bool) -> int:
        x, y = supervised_windows(prices, self.window)
        n_val = max(self.min_holdout, int(len(y) * self.val_frac))
        n_fit = len(y) - n_val
        train_r = log_returns(prices[: n_fit + self.window + 1])
        self.center_ = float(np.mean(train_r))
        self.scale_ = float(max(np.std(train_r), 1e-8))
        xs = (log_returns(x) - self.center_) / self.scale_
        ys = (y - self.center_) / self.scale_
        self.net_: torch.nn.Module = _torch.build_lstm(self.hidden, self.layers, self.seed)
        self.train_log_ = _torch.train_net(
            self.net_,
            xs[:n_fit],
            ys[:n_fit],
            xs[n_fit:],
            ys[n_fit:],
            epochs=self.epochs,
            batch_size=self.batch_size,
            lr=self.lr,
            patience=self.patience,
            seed=self.seed,
            progress=progress,
            description="lstm",
        )
        return n_fit + self.window + 1

    def _predict_returns(self, windows: np.ndarray) -> np.ndarray:
        xs = (log_returns(windows) - self.center_) / self.scale_
        return self._forward(xs) * self.scale_ + self.center_

    def _forward(self, x: np.ndarray) -> np.ndarray:
        """The network's output per input row (the light form overrides this)."""
        return _torch.predict_net(self.net_, x)

    def _state_to_json(self) -> dict[str, Any]:
        return {"center": self.center_, "scale": self.scale_}

    def _state_from_json(self, state: dict[str, Any]) -> None:
        self.center_ = float(state["center"])
        self.scale_ = float(state["scale"])

    def _save_state(self, directory: Path) -> None:
        _torch.save_state_dict(self.net_, directory)

    def _load_state(self, directory: Path) -> None:
        self.net_ = _torch.build_lstm(self.hidden, self.layers, self.seed)
        _torch.load_state_dict(self.net_, directory)
