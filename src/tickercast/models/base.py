"""The one contract every tickercast model follows, and the shared logic behind it.

A ``Forecaster`` turns windows of closing prices into next-price forecasts with conformal
intervals. Subclasses only do their maths (``_fit`` and ``_predict_returns`` on log returns);
input checks, calibration, multi-step paths, saving and loading live here, so every model
behaves the same at the edges.
"""

from __future__ import annotations

import inspect
import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np

from tickercast.errors import ModelError
from tickercast.features import log_returns, supervised_windows
from tickercast.models.calibration import (
    Calibration,
    conformal_quantile,
    nonconformity,
    price_bounds,
)

__all__ = ["FORMAT_VERSION", "Forecast", "Forecaster", "check_prices", "check_windows"]

FORMAT_VERSION = 1
"""Bumped when the saved layout changes; ``load`` refuses other versions."""

MAX_HORIZON = 30
"""Longest forecast path calibrated per horizon (the API allows 1..30)."""
_HORIZON_LEVELS = (80, 95)
_MIN_HORIZON_SCORES = 20

_PARAMS_FILE = "params.json"
_CALIBRATION_FILE = "calibration.json"


@dataclass
class Forecast:
    """Point forecasts and interval bounds per level (e.g. 80, 95), all ``(n,)`` prices."""

    point: np.ndarray
    lower: dict[int, np.ndarray]
    upper: dict[int, np.ndarray]

    def __len__(self) -> int:
        return int(self.point.shape[0])


def check_prices(prices: np.ndarray, *, min_len: int = 2, what: str = "prices") -> np.ndarray:
    """A 1-D float64 copy of ``prices`` after checking it is finite, positive and long enough."""
    p = np.array(prices, dtype=np.float64)
    if p.ndim != 1:
        raise ModelError(f"{what} must be a 1-D array of closes; got shape {p.shape}")
    if p.size < min_len:
        raise ModelError(f"{what} has {p.size} values; at least {min_len} are needed")
    bad = ~np.isfinite(p) | (p <= 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise ModelError(f"{what}[{i}] is {p[i]}; prices must be finite and > 0")
    return p


def check_windows(windows: np.ndarray, size: int) -> np.ndarray:
    """``(n, size)`` float64 view of the last ``size`` prices of each window, checked."""
    w = np.asarray(windows, dtype=np.float64)
    if w.ndim == 1:
        w = w[None, :]
    if w.ndim != 2:
        raise ModelError(f"windows must be 1-D or 2-D (n, k); got shape {w.shape}")
    if w.shape[1] < size:
        raise ModelError(
            f"windows have {w.shape[1]} prices; this model needs at least {size} "
            f"({size - 1} returns)"
        )
    w = w[:, -size:]
    if not (np.isfinite(w).all() and (w > 0).all()):
        rows, cols = np.nonzero(~np.isfinite(w) | (w <= 0))
        raise ModelError(
            f"windows[{rows[0]}][{cols[0]}] is {w[rows[0], cols[0]]}; prices must be finite and > 0"
        )
    return w


def _finite(forecast: Forecast) -> Forecast:
    """``forecast`` if every point and bound is a finite number, else a ModelError saying
    which one overflowed: an answer of inf or NaN is never a forecast."""
    named = [
        ("point", forecast.point),
        *((f"{lv}% lower bound", v) for lv, v in forecast.lower.items()),
        *((f"{lv}% upper bound", v) for lv, v in forecast.upper.items()),
    ]
    for name, values in named:
        bad = ~np.isfinite(values)
        if bad.any():
            i = int(np.argmax(bad))
            raise ModelError(
                f"the {name} of forecast {i} is {values[i]}, not a finite price: the prices "
                "swing too far for this model (each window's log returns must stay small)"
            )
    return forecast


class Forecaster(ABC):
    """Forecast tomorrow's close from the last ``window`` log returns, with intervals.

    Hyper-parameters are the ``__init__`` arguments, stored as given; fitted state lives in
    attributes ending in ``_``. Subclasses implement ``_fit`` (returns the index of the first
    target it did not train on, so its residuals calibrate the intervals out of sample),
    ``_predict_returns`` and, if they hold weights, ``_save_state``/``_load_state``.
    """

    name: ClassVar[str]
    champion_eligible: ClassVar[bool] = True
    min_holdout: ClassVar[int] = 20

    def __init__(self, window: int = 6, calib_size: int = 250, vol_weight: float = 0.5) -> None:
        if window < 1:
            raise ModelError(f"window is {window}; it must be at least 1 return")
        self.window = window
        self.calib_size = calib_size
        self.vol_weight = vol_weight

    # ----------------------------------------------------------------- subclass hooks
    @abstractmethod
    def _fit(self, prices: np.ndarray, *, progress: bool) -> int:
        """Fit on checked prices; return the first target index not used for training."""

    @abstractmethod
    def _predict_returns(self, windows: np.ndarray) -> np.ndarray:
        """Expected next log return for checked ``(n, window + 1)`` price windows."""

    def _save_state(self, directory: Path) -> None:  # noqa: B027 - optional hook
        """Write fitted weights (no pickles); models without weights write nothing."""

    def _load_state(self, directory: Path) -> None:  # noqa: B027 - optional hook
        """Read what ``_save_state`` wrote."""

    def _state_to_json(self) -> dict[str, Any]:
        """Small fitted values (scalers) stored in params.json."""
        return {}

    def _state_from_json(self, state: dict[str, Any]) -> None:  # noqa: B027 - optional hook
        """Restore what ``_state_to_json`` returned."""

    # ------------------------------------------------------------------- public API
    @property
    def min_train_size(self) -> int:
        """Fewest prices ``fit`` accepts: one window plus a hold-out for calibration."""
        return self.window + 2 + 2 * self.min_holdout

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments, as given (what params.json stores and MLflow logs)."""
        sig = inspect.signature(type(self).__init__)
        return {k: getattr(self, k) for k in sig.parameters if k != "self"}

    def fit(
        self, prices: np.ndarray, dates: np.ndarray | None = None, *, progress: bool = False
    ) -> Self:
        """Fit on a 1-D array of ascending closes and calibrate intervals on a hold-out."""
        p = check_prices(prices, min_len=self.min_train_size)
        if dates is not None and len(dates) != p.size:
            raise ModelError(f"dates has {len(dates)} values but prices has {p.size}")
        r = log_returns(p)
        tail = r[-self.calib_size :]
        self.vol_ref_ = float(np.sqrt(np.mean(tail * tail)))
        holdout_start = self._fit(p, progress=progress)
        x, y = supervised_windows(p, self.window)
        first = max(holdout_start - (self.window + 1), 0)
        x, y = x[first:], y[first:]
        calib = Calibration(np.zeros(1), self.vol_ref_, self.vol_weight)
        rhat = self._predict_returns(np.ascontiguousarray(x))
        scale = calib.scale(log_returns(x))
        calib.scores = nonconformity(y, rhat, scale)[-self.calib_size :]
        self.calibration_ = calib
        calib.horizon_q = self._horizon_quantiles(p, holdout_start)
        self.n_train_ = int(p.size)
        self.train_range_: tuple[str, str] | None = (
            (str(dates[0])[:10], str(dates[-1])[:10]) if dates is not None else None
        )
        return self

    def predict_log_returns(self, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Expected next log return and its local scale for each window (used by walk-forward)."""
        self._check_fitted()
        w = check_windows(windows, self.window + 1)
        return self._predict_returns(w), self.calibration_.scale(log_returns(w))

    def predict(self, windows: np.ndarray, levels: Sequence[int] = (80, 95)) -> Forecast:
        """Next price for each ``(n, k)`` window (k ≥ window + 1; a 1-D array is one window)."""
        self._check_fitted()
        w = check_windows(windows, self.window + 1)
        rhat = self._predict_returns(w)
        scale = self.calibration_.scale(log_returns(w))
        last = w[:, -1]
        lower, upper = {}, {}
        for lv in levels:
            lower[lv], upper[lv] = price_bounds(last, rhat, scale, self.calibration_.quantile(lv))
        return _finite(Forecast(point=last * np.exp(rhat), lower=lower, upper=upper))

    def predict_point(self, windows: np.ndarray) -> np.ndarray:
        """Next price for each window without intervals: the cheapest call, for the
        original /predict_next_price contract which returns a point only."""
        self._check_fitted()
        w = check_windows(windows, self.window + 1)
        point = w[:, -1] * np.exp(self._predict_returns(w))
        _finite(Forecast(point=point, lower={}, upper={}))
        return point

    def forecast_path(
        self, history: np.ndarray, horizon: int, levels: Sequence[int] = (80, 95)
    ) -> Forecast:
        """``horizon`` steps ahead by feeding forecasts back in; intervals widen with √h
        times a conformal quantile calibrated per horizon on hold-out paths (√h alone
        assumed independent daily errors and missed coverage by up to 14 points at h = 30;
        benchmarks/horizon_coverage.py)."""
        self._check_fitted()
        if horizon < 1:
            raise ModelError(f"horizon is {horizon}; it must be at least 1")
        h = check_prices(history, min_len=self.window + 1, what="history")[-(self.window + 1) :]
        path = list(h)
        rsum = np.zeros(horizon)
        total = 0.0
        for step in range(horizon):
            r = float(self._predict_returns(np.asarray(path[-(self.window + 1) :])[None, :])[0])
            total += r
            rsum[step] = total
            path.append(path[-1] * float(np.exp(r)))
        last = h[-1]
        scale = float(self.calibration_.scale(log_returns(h)[None, :])[0])
        widen = np.sqrt(np.arange(1, horizon + 1))
        lower, upper = {}, {}
        for lv in levels:
            q = np.array([self.calibration_.horizon_quantile(lv, h) for h in range(1, horizon + 1)])
            # a longer horizon is never given a narrower interval than a shorter one
            half = np.maximum.accumulate(q * widen)
            lower[lv], upper[lv] = price_bounds(
                np.full(horizon, last), rsum, np.full(horizon, scale), half
            )
        return _finite(Forecast(point=last * np.exp(rsum), lower=lower, upper=upper))

    def _horizon_quantiles(self, p: np.ndarray, first_target: int) -> dict[int, list[float]]:
        """Per-horizon conformal quantiles from paths started at hold-out origins (every
        target is at or after ``first_target``, so out of sample), batched over origins."""
        size = self.window + 1
        origins = np.arange(max(first_target - 1, size - 1), p.size - 1)[-self.calib_size :]
        if origins.size < _MIN_HORIZON_SCORES:
            return {}
        windows = np.stack([p[o - size + 1 : o + 1] for o in origins])
        scale = self.calibration_.scale(log_returns(windows))
        logp = np.log(p)
        rsum = np.zeros(origins.size)
        out: dict[int, list[float]] = {lv: [] for lv in _HORIZON_LEVELS}
        for h in range(1, MAX_HORIZON + 1):
            valid = origins + h < p.size
            if valid.sum() < _MIN_HORIZON_SCORES:
                break
            r = self._predict_returns(np.ascontiguousarray(windows))
            rsum += r
            nxt = windows[:, -1] * np.exp(r)
            windows = np.concatenate([windows[:, 1:], nxt[:, None]], axis=1)
            err = np.abs(logp[origins[valid] + h] - logp[origins[valid]] - rsum[valid])
            score = err / (scale[valid] * np.sqrt(h))
            for lv in _HORIZON_LEVELS:
                out[lv].append(conformal_quantile(score, lv))
        return out

    def describe(self) -> dict[str, Any]:
        """What the model is and what it was trained on (for the API, CLI and MLflow)."""
        fitted = hasattr(self, "calibration_")
        first, last = self.train_range_ if fitted and self.train_range_ else (None, None)
        return {
            "name": self.name,
            "params": self.get_params(),
            "window": self.window,
            "champion_eligible": self.champion_eligible,
            "fitted": fitted,
            "training": {
                "first_date": first,
                "last_date": last,
                "n_prices": getattr(self, "n_train_", None),
            },
            "calibration": self.calibration_.summary() if fitted else None,
        }

    def save(self, directory: Path) -> None:
        """params.json + calibration.json + the model's own state files; no pickles."""
        self._check_fitted()
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        meta = {
            "format_version": FORMAT_VERSION,
            "name": self.name,
            "params": self.get_params(),
            "state": self._state_to_json(),
            "vol_ref": self.vol_ref_,
            "n_train": self.n_train_,
            "train_range": list(self.train_range_) if self.train_range_ else None,
        }
        (directory / _PARAMS_FILE).write_text(json.dumps(meta, indent=2))
        (directory / _CALIBRATION_FILE).write_text(json.dumps(self.calibration_.to_dict()))
        self._save_state(directory)

    @classmethod
    def load(cls, directory: Path) -> Self:
        """Rebuild a saved model; ``ModelError`` says which file is missing or mismatched."""
        directory = Path(directory)
        meta = read_params(directory)
        if meta["name"] != cls.name:
            raise ModelError(f"{directory} holds a {meta['name']!r} model, not {cls.name!r}")
        try:
            model = cls(**meta["params"])
        except TypeError as exc:
            raise ModelError(
                f"{directory}/{_PARAMS_FILE} has unexpected parameters: {exc}"
            ) from exc
        calib_path = directory / _CALIBRATION_FILE
        if not calib_path.is_file():
            raise ModelError(f"{calib_path} is missing; the model directory is incomplete")
        model.calibration_ = Calibration.from_dict(json.loads(calib_path.read_text()))
        model.vol_ref_ = float(meta["vol_ref"])
        model.n_train_ = int(meta["n_train"])
        model.train_range_ = tuple(meta["train_range"]) if meta.get("train_range") else None
        model._state_from_json(meta.get("state", {}))
        model._load_state(directory)
        return model

    def _check_fitted(self) -> None:
        if not hasattr(self, "calibration_"):
            raise ModelError(f"the {self.name!r} model is not fitted; call fit() or load() first")

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"


def read_params(directory: Path) -> dict[str, Any]:
    """The checked params.json of a saved model directory."""
    path = Path(directory) / _PARAMS_FILE
    if not path.is_file():
        raise ModelError(f"{path} is missing; is {directory} a saved tickercast model?")
    try:
        meta = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ModelError(f"{path} is not valid JSON: {exc}") from exc
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelError(
            f"{path} has format_version {version!r}; this tickercast reads version "
            f"{FORMAT_VERSION} - retrain the model"
        )
    for key in ("name", "params", "vol_ref", "n_train"):
        if key not in meta:
            raise ModelError(f"{path} lacks {key!r}; the file is damaged")
    return meta
