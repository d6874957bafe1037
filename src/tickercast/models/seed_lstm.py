"""The original prototype, reproduced on purpose as a reference row. Never champion.

What it does (faithfully): 7 closing price *levels* in, the next level out; a min-max
scaler fit on *all* the prices it is given (its own test split included - the leak); one
chronological train/test split; a small LSTM trained for a fixed number of epochs.

Why it was replaced: the scaler leaks the test period's range into training, and a model on
levels cannot extrapolate once prices leave the range it saw (in tickercast's walk-forward it
only ever gets the past, so its row shows that level-scaling failure; multiplying the input
prices by 1000 yields nonsense, which a test pins down). Such a model also tends to learn to
copy the last close - see its lag-copy score.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from tickercast.features import price_windows
from tickercast.models import _torch
from tickercast.models.base import Forecaster

if TYPE_CHECKING:
    import torch

__all__ = ["SeedLSTMForecaster"]


class SeedLSTMForecaster(Forecaster):
    """Min-max scaled price levels -> next level; first ``train_frac`` trains, the rest tests."""

    name: ClassVar[str] = "seed-lstm"
    champion_eligible: ClassVar[bool] = False

    def __init__(
        self,
        window: int = 6,
        hidden: int = 50,
        epochs: int = 10,
        batch_size: int = 128,
        lr: float = 1e-3,
        train_frac: float = 0.8,
        seed: int = 0,
        calib_size: int = 250,
        vol_weight: float = 0.5,
    ) -> None:
        super().__init__(window=window, calib_size=calib_size, vol_weight=vol_weight)
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.train_frac = train_frac
        self.seed = seed

    def _scale(self, prices: np.ndarray) -> np.ndarray:
        return (prices - self.min_) / self.range_

    def _fit(self, prices: np.ndarray, *, progress: bool) -> int:
        # The prototype's MinMaxScaler().fit(all prices): the test split's range leaks in.
        self.min_ = float(prices.min())
        # A constant series has no range; a tiny one keeps its forecast flat.
        self.range_ = float(prices.max() - prices.min()) or 1e-9 * self.min_
        scaled = self._scale(prices)
        windows = price_windows(scaled, self.window + 2)
        x, y = windows[:, :-1], windows[:, -1]
        n_fit = max(int(len(y) * self.train_frac), 1)
        n_fit = min(n_fit, len(y) - self.min_holdout)
        self.net_: torch.nn.Module = _torch.build_lstm(self.hidden, 1, self.seed)
        self.train_log_ = _torch.train_net(
            self.net_,
            x[:n_fit],
            y[:n_fit],
            None,
            None,
            epochs=self.epochs,
            batch_size=self.batch_size,
            lr=self.lr,
            patience=None,
            seed=self.seed,
            loss="mse",
            progress=progress,
            description="seed-lstm",
        )
        return n_fit + self.window + 1

    def _predict_returns(self, windows: np.ndarray) -> np.ndarray:
        level = self._forward(self._scale(windows)) * self.range_ + self.min_
        # A level forecast at or below zero has no log return; clamp to a tiny positive price.
        level = np.maximum(level, 1e-12 * np.maximum(self.range_, 1.0))
        return np.log(level / windows[:, -1])

    def _forward(self, x: np.ndarray) -> np.ndarray:
        """The network's output per input row (the light form overrides this)."""
        return _torch.predict_net(self.net_, x)

    def _state_to_json(self) -> dict[str, Any]:
        return {"min": self.min_, "range": self.range_}

    def _state_from_json(self, state: dict[str, Any]) -> None:
        self.min_ = float(state["min"])
        self.range_ = float(state["range"])

    def _save_state(self, directory: Path) -> None:
        _torch.save_state_dict(self.net_, directory)

    def _load_state(self, directory: Path) -> None:
        self.net_ = _torch.build_lstm(self.hidden, 1, self.seed)
        _torch.load_state_dict(self.net_, directory)
