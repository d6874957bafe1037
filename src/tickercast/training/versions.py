"""What a registered version says about itself, read from its tags: shared by the MLflow
client code (``registry``) and the light reader the serving workers use (``registry_reader``).

Nothing here imports MLflow or pandas.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tickercast.models import Forecaster

__all__ = [
    "CHAMPION_ALIAS",
    "ChampionInfo",
    "beats_naive",
    "champion_info",
    "fallback_order",
    "float_tag",
    "native_model_dir",
    "optional_float",
    "registered_name",
]

CHAMPION_ALIAS = "champion"


@dataclass(frozen=True)
class ChampionInfo:
    """What the API reports about the model it serves."""

    ticker: str
    model_name: str
    version: str
    run_id: str
    trained_from: str | None
    trained_to: str | None
    metrics: dict[str, float]
    relative_mae: float
    skill: float
    beats_naive: bool
    promotion: str | None
    p_value: float | None = None
    margin: float | None = None
    alpha: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def registered_name(ticker: str) -> str:
    return f"tickercast-{ticker.upper()}"


def native_model_dir(model_dir: Path) -> Path:
    """Where the native files are in a downloaded ``model/`` (older runs hold them at top)."""
    from_pyfunc = model_dir / "artifacts" / "forecaster"
    return from_pyfunc if (model_dir / "MLmodel").is_file() else model_dir


def float_tag(tags: Mapping[str, str], key: str) -> float:
    try:
        return float(tags[key])
    except (KeyError, ValueError):
        return math.nan


def optional_float(tags: Mapping[str, str], key: str) -> float | None:
    value = float_tag(tags, key)
    return value if math.isfinite(value) else None


def beats_naive(tags: Mapping[str, str]) -> bool:
    """Significantly better than naive; versions from before the DM gate have no p-value and
    are not called better than naive."""
    return tags.get("beats_naive") == "true" and "p_value_vs_naive" in tags


def champion_info(
    ticker: str,
    model: Forecaster,
    *,
    version: str,
    run_id: str,
    tags: Mapping[str, str],
    metrics: Mapping[str, float],
) -> ChampionInfo:
    """The served model's summary from its version tags and its run's metrics."""
    rel = float_tag(tags, "relative_mae")
    training = model.describe()["training"]
    return ChampionInfo(
        ticker=ticker.upper(),
        model_name=model.name,
        version=str(version),
        run_id=str(run_id),
        trained_from=training["first_date"],
        trained_to=training["last_date"],
        metrics=dict(metrics),
        relative_mae=rel,
        skill=1.0 - rel,
        beats_naive=beats_naive(tags),
        promotion=tags.get("promotion"),
        p_value=optional_float(tags, "p_value_vs_naive"),
        margin=optional_float(tags, "margin"),
        alpha=optional_float(tags, "gate_alpha"),
    )


def fallback_order(versions: Iterable[tuple[str, Mapping[str, str]]], broken: str) -> list[str]:
    """Versions to serve while champion ``broken`` cannot load, best first: earlier
    champions (most recently promoted first), then naive versions (newest first).
    ``versions`` are (version, tags) pairs, oldest first."""
    others = [(v, tags) for v, tags in versions if str(v) != broken]
    promoted = sorted(
        (pair for pair in others if pair[1].get("promoted_at")),
        key=lambda pair: (pair[1]["promoted_at"], int(pair[0])),
        reverse=True,
    )
    naive = [pair for pair in reversed(others) if pair[1].get("model_name") == "naive"]
    out: list[str] = []
    for version, tags in (*promoted, *naive):
        if str(version) not in out and tags.get("champion_eligible") != "false":
            out.append(str(version))
    return out
