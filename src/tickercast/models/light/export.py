"""Write a fitted model's light serving form and prove it matches the training framework.

Runs at registration, where lightgbm and torch are loaded anyway (the fitted model holds
them). After writing the files it loads them back the way a serving worker does and compares
one-step forecasts (points and every bound) on seeded random-walk windows, and a 30-step
path, with the training framework's; beyond ``TOLERANCE`` relative, export fails instead of
registering a model that would serve other numbers than the ones validated.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from tickercast.errors import ModelError
from tickercast.models.base import MAX_HORIZON, Forecast, Forecaster

__all__ = ["LIGHT_FILE", "LIGHT_FORMAT", "TOLERANCE", "export_light", "max_relative_error"]

LIGHT_FILE = "light.json"
LIGHT_FORMAT = 1
TOLERANCE = 1e-6
_LEVELS = (80, 95)


def export_light(model: Forecaster, directory: Path) -> dict[str, Any]:
    """Write the light files of ``model`` (already ``save``d in ``directory``), check them
    and write ``light.json``; returns that manifest."""
    from tickercast.models.light import load_light
    from tickercast.models.light.forecasters import NATIVE_IS_LIGHT, WEIGHTS_FILE

    directory = Path(directory)
    files: list[str] = []
    if model.name in ("lstm", "seed-lstm"):
        state = model.net_.state_dict()  # type: ignore[attr-defined]
        np.savez(
            directory / WEIGHTS_FILE, **{k: v.detach().cpu().numpy() for k, v in state.items()}
        )
        files.append(WEIGHTS_FILE)
    elif model.name not in NATIVE_IS_LIGHT:
        raise ModelError(f"no light serving form for model kind {model.name!r}")
    manifest: dict[str, Any] = {"format": LIGHT_FORMAT, "kind": model.name, "files": files}
    (directory / LIGHT_FILE).write_text(json.dumps(manifest))
    light = load_light(directory)
    assert light is not None
    error = max_relative_error(model, light)
    if not error <= TOLERANCE:
        (directory / LIGHT_FILE).unlink()
        raise ModelError(
            f"the light form of this {model.name} model differs from it by {error:.3g} "
            f"(relative); at most {TOLERANCE:g} is allowed, so it was not exported"
        )
    manifest["max_relative_error"] = error
    (directory / LIGHT_FILE).write_text(json.dumps(manifest, indent=2))
    return manifest


def read_manifest(directory: Path) -> dict[str, Any]:
    path = Path(directory) / LIGHT_FILE
    try:
        manifest = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path} is not readable JSON: {exc}") from exc
    if manifest.get("format") != LIGHT_FORMAT or "kind" not in manifest:
        raise ModelError(
            f"{path} has light format {manifest.get('format')!r}; this tickercast reads "
            f"{LIGHT_FORMAT} - re-export the model"
        )
    return dict(manifest)


def check_windows(window: int, n: int = 256, seed: int = 0) -> np.ndarray:
    """Seeded random-walk price windows (2% daily moves) at price scales from 1 to 10,000."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, 0.02, size=(n, window + 1))
    steps[:, 0] = 0.0
    start = 10.0 ** rng.uniform(0.0, 4.0, size=(n, 1))
    return start * np.exp(np.cumsum(steps, axis=1))


def max_relative_error(reference: Forecaster, light: Forecaster) -> float:
    """Largest ``|light - reference| / |reference|`` over one-step forecasts of the check
    windows and a ``MAX_HORIZON``-step path, every point and bound."""
    windows = check_windows(reference.window)
    pairs = [
        (reference.predict(windows, levels=_LEVELS), light.predict(windows, levels=_LEVELS)),
        (
            reference.forecast_path(windows[0], MAX_HORIZON, levels=_LEVELS),
            light.forecast_path(windows[0], MAX_HORIZON, levels=_LEVELS),
        ),
    ]
    return max(_relative(a, b) for a, b in pairs)


def _relative(a: Forecast, b: Forecast) -> float:
    ref = np.concatenate(
        [a.point, *(a.lower[lv] for lv in _LEVELS), *(a.upper[lv] for lv in _LEVELS)]
    )
    got = np.concatenate(
        [b.point, *(b.lower[lv] for lv in _LEVELS), *(b.upper[lv] for lv in _LEVELS)]
    )
    return float(np.max(np.abs(got - ref) / np.abs(ref)))
