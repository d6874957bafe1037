"""Light serving form of every model kind: no torch, no lightgbm package, no pandas.

- naive: nothing fitted; its params.json and calibration.json are all it needs.
- lightgbm: its native model file, predicted by LightGBM's own C library through ctypes
  (``lgbm_capi``): LightGBM's numbers exactly, without the package's pandas/sklearn imports.
- lstm, seed-lstm: the weights as plain arrays, the forward pass in numpy (``lstm``).

At registration ``export_light`` writes what a kind needs beside its native files, loads it
back and writes ``light.json`` with the largest relative difference it measured against the
training framework. ``load_light`` reads the light form, or returns None for an LSTM saved
before light serving existed, so the caller can load the native (torch) form instead.
"""

from __future__ import annotations

from pathlib import Path

from tickercast.errors import ModelError
from tickercast.models.base import Forecaster, read_params
from tickercast.models.light.export import LIGHT_FILE, export_light, read_manifest
from tickercast.models.naive import NaiveForecaster

__all__ = ["LIGHT_FILE", "export_light", "has_light_form", "load_light"]


def has_light_form(directory: Path) -> bool:
    """Whether ``directory`` can be served without the training frameworks."""
    from tickercast.models.light.forecasters import NATIVE_IS_LIGHT

    name = read_params(Path(directory))["name"]
    return name in NATIVE_IS_LIGHT or (Path(directory) / LIGHT_FILE).is_file()


def load_light(directory: Path | str) -> Forecaster | None:
    """The saved model in its light form, or None when it has none (saved before it)."""
    from tickercast.models.light.forecasters import LIGHT_KINDS, NATIVE_IS_LIGHT

    directory = Path(directory)
    name = read_params(directory)["name"]
    if name == NaiveForecaster.name:
        return NaiveForecaster.load(directory)
    if not (directory / LIGHT_FILE).is_file():
        return LIGHT_KINDS[name].load(directory) if name in NATIVE_IS_LIGHT else None
    manifest = read_manifest(directory)
    if manifest["kind"] != name or name not in LIGHT_KINDS:
        raise ModelError(
            f"{directory / LIGHT_FILE} describes a {manifest['kind']!r} model but params.json a "
            f"{name!r} one; re-export the model"
        )
    return LIGHT_KINDS[name].load(directory)
