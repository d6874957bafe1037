"""The model kinds with their fitted maths swapped for the light runtimes.

Each class is its training-framework class with only the inner evaluation replaced
(``_trees`` for LightGBM, ``_forward`` for the LSTMs) and ``_load_state`` reading the light
files, so features, scaling, calibration, intervals and multi-step paths are the very same
code as in training. Nothing here imports lightgbm or torch.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tickercast.errors import ModelError
from tickercast.models.base import Forecaster
from tickercast.models.light.lstm import NumpyLSTM
from tickercast.models.light.trees import TreeEnsemble
from tickercast.models.lightgbm import LightGBMForecaster
from tickercast.models.lstm import LSTMForecaster
from tickercast.models.seed_lstm import SeedLSTMForecaster

__all__ = ["LIGHT_KINDS", "TREES_FILE", "WEIGHTS_FILE", "read_arrays"]

TREES_FILE = "light_trees.npz"
WEIGHTS_FILE = "light_lstm.npz"


def read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Arrays saved with ``np.savez`` (never pickles)."""
    if not path.is_file():
        raise ModelError(f"{path} is missing; the light model directory is incomplete")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path} is not a readable array file: {exc}") from exc


class LightGBMLight(LightGBMForecaster):
    """LightGBM's trees run by ``TreeEnsemble`` (numpy)."""

    def _trees(self, features: np.ndarray) -> np.ndarray:
        return self.trees_.predict(features)

    def _load_state(self, directory: Path) -> None:
        self.trees_ = TreeEnsemble.from_arrays(read_arrays(directory / TREES_FILE))


class _NumpyNet:
    """The LSTM forward pass run by ``NumpyLSTM`` (held in ``lstm_``, not torch's ``net_``)."""

    def _forward(self, x: np.ndarray) -> np.ndarray:
        return self.lstm_(x)

    def _load_state(self, directory: Path) -> None:
        self.lstm_ = NumpyLSTM(read_arrays(directory / WEIGHTS_FILE))


class LSTMLight(_NumpyNet, LSTMForecaster):
    """The LSTM with its forward pass in numpy."""


class SeedLSTMLight(_NumpyNet, SeedLSTMForecaster):
    """The prototype's LSTM with its forward pass in numpy."""


LIGHT_KINDS: dict[str, type[Forecaster]] = {
    "lightgbm": LightGBMLight,
    "lstm": LSTMLight,
    "seed-lstm": SeedLSTMLight,
}
"""Kinds whose fitted state needs a light form; naive has none and serves as it is."""
