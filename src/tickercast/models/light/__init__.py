"""Light serving form of every model kind: numpy only, no torch, lightgbm or pandas.

At registration ``export_light`` writes, next to a saved model's native files, what the
serving worker needs instead of the training framework (LightGBM trees as node arrays, LSTM
weights as plain arrays) and a ``light.json`` recording the largest relative difference it
measured against the training framework. ``load_light`` reads that form back, or returns
None for a directory saved before light serving existed, so the caller can load the native
(heavy) form instead.
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
    name = read_params(Path(directory))["name"]
    return name == NaiveForecaster.name or (Path(directory) / LIGHT_FILE).is_file()


def load_light(directory: Path | str) -> Forecaster | None:
    """The saved model in its light form, or None when it has none (saved before it)."""
    from tickercast.models.light.forecasters import LIGHT_KINDS

    directory = Path(directory)
    name = read_params(directory)["name"]
    if name == NaiveForecaster.name:
        return NaiveForecaster.load(directory)
    if not (directory / LIGHT_FILE).is_file():
        return None
    manifest = read_manifest(directory)
    if manifest["kind"] != name or name not in LIGHT_KINDS:
        raise ModelError(
            f"{directory / LIGHT_FILE} describes a {manifest['kind']!r} model but params.json a "
            f"{name!r} one; re-export the model"
        )
    return LIGHT_KINDS[name].load(directory)
