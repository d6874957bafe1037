"""The model kinds with their fitted maths swapped for the light runtimes.

Each class is its training-framework class with only the inner evaluation replaced
(``_trees`` for LightGBM, ``_forward`` for the LSTMs) and ``_load_state`` reading the light
files, so features, scaling, calibration, intervals and multi-step paths are the very same
code as in training. Nothing here imports the lightgbm package or torch.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tickercast.errors import ModelError
from tickercast.models.base import Forecaster
from tickercast.models.light.lgbm_capi import NativeBooster
from tickercast.models.light.lstm import NumpyLSTM
from tickercast.models.lightgbm import MODEL_FILE, LightGBMForecaster
from tickercast.models.lstm import LSTMForecaster
from tickercast.models.seed_lstm import SeedLSTMForecaster

__all__ = ["LIGHT_KINDS", "NATIVE_IS_LIGHT", "WEIGHTS_FILE", "read_arrays"]

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
    """LightGBM's native model file predicted by its own C library, without the package."""

    def _trees(self, features: np.ndarray) -> np.ndarray:
        return self.native_.predict(features)

    def _load_state(self, directory: Path) -> None:
        self.native_ = NativeBooster.from_file(directory / MODEL_FILE)


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
"""The light class of each kind with fitted state (naive has none and serves as it is)."""

NATIVE_IS_LIGHT = frozenset({"naive", "lightgbm"})
"""Kinds whose native files are their light form (nothing to export, so versions registered
before light serving serve light too)."""
