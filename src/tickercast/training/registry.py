"""The MLflow registry: training runs, one registered model per ticker, and the champion gate.

Layout: experiment and registered model are both named ``tickercast-<TICKER>``. A run logs
parameters, metrics (model and naive side by side on the same walk-forward points), the
validation report, ``validation/walkforward.csv`` (every forecast, for the gate) and the saved
model under ``model/``. The alias ``champion`` marks the version the API serves.

Gate (``promote``, tests in ``training.gate``): a candidate becomes champion only if it is
significantly better than naive (Diebold-Mariano/HLN, level ``gate_alpha``) on its
walk-forward days and not significantly worse than the current champion on the dates both were
tested on. Otherwise the champion stays, or, when there is none, the naive version becomes
champion. ``force`` overrides (tagged ``promotion=forced`` on the version); models that are
not champion-eligible (``seed-lstm``) are refused even then.

Every function takes ``settings`` and builds its own client: nothing touches MLflow's global
state, so importing this module has no side effects.
"""

from __future__ import annotations

import itertools
import json
import math
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from tickercast.config import Settings
from tickercast.errors import ModelError, ModelNotFound
from tickercast.models import Forecaster, load_model
from tickercast.models.light import load_light
from tickercast.training import gate
from tickercast.training.versions import (
    CHAMPION_ALIAS,
    ChampionInfo,
    champion_info,
    fallback_order,
    native_model_dir,
    registered_name,
)
from tickercast.training.versions import beats_naive as _beats_naive
from tickercast.training.versions import float_tag as _float_tag
from tickercast.training.versions import optional_float as _optional_float

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

__all__ = [
    "CHAMPION_ALIAS",
    "ChampionInfo",
    "PromotionDecision",
    "RetrainDecision",
    "VersionInfo",
    "fallback_versions",
    "get_champion_version",
    "list_versions",
    "load_champion",
    "load_champion_walkforward",
    "load_version",
    "log_backtest_run",
    "log_training_run",
    "native_model_dir",
    "promote",
    "record_retrain",
    "refresh_naive",
    "register_version",
    "registered_name",
    "version_history",
]

# what became of a retrained version: champion through the gate, kept out by it, or (naive,
# after the gate kept naive) serving in place of an older naive
RetrainDecision = Literal["promoted", "refused", "refreshed"]

_WALKFORWARD_CSV = "validation/walkforward.csv"
# Metrics copied onto each version as tags so listing and the gate need no run lookups.
_VERSION_METRICS = ("mae", "naive_mae", "relative_mae", "skill", "coverage_80", "coverage_95")


@dataclass(frozen=True)
class VersionInfo:
    """One registered version as ``models list`` shows it."""

    version: str
    model_name: str
    run_id: str
    created_at: str
    champion: bool
    relative_mae: float
    skill: float
    beats_naive: bool
    test_start: str | None
    test_end: str | None
    promotion: str | None
    p_value: float | None = None
    margin: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PromotionDecision:
    """What the gate did, in words the CLI prints as is."""

    ticker: str
    candidate: str
    promoted: bool
    champion: str | None
    reason: str
    forced: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _client(settings: Settings) -> MlflowClient:
    from mlflow import MlflowClient

    uri = settings.resolved_mlflow_tracking_uri
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def _experiment_id(client: MlflowClient, ticker: str, settings: Settings) -> str:
    name = registered_name(ticker)
    exp = client.get_experiment_by_name(name)
    if exp is not None:
        return str(exp.experiment_id)
    location = settings.mlflow_artifact_dir / name
    location.mkdir(parents=True, exist_ok=True)
    return str(client.create_experiment(name, artifact_location=location.as_uri()))


def _flat_metrics(metrics: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """``evaluate`` output as MLflow metric names (nested dicts joined with ``_``)."""
    out: dict[str, float] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            for sub, v in value.items():
                sub_name = name if sub == "value" else f"{name}_{sub}"
                if isinstance(v, int | float) and math.isfinite(v):
                    out[sub_name] = float(v)
        elif isinstance(value, int | float) and math.isfinite(value):
            out[name] = float(value)
    return out


def log_training_run(
    ticker: str,
    model: Forecaster,
    *,
    metrics: Mapping[str, Any],
    naive_metrics: Mapping[str, Any],
    walkforward: pd.DataFrame,
    settings: Settings,
    run_params: Mapping[str, Any] | None = None,
    report_path: Path | None = None,
) -> str:
    """Log one trained model with its validation; returns the run id."""
    from mlflow.entities import Metric, Param, RunTag

    client = _client(settings)
    exp_id = _experiment_id(client, ticker, settings)
    described = model.describe()
    training = described["training"]
    run = client.create_run(
        exp_id,
        run_name=f"{model.name}-{training['last_date'] or 'unknown'}",
        tags={
            "tickercast.ticker": ticker.upper(),
            "tickercast.model": model.name,
            "tickercast.champion_eligible": str(model.champion_eligible).lower(),
        },
    )
    run_id = run.info.run_id
    try:
        params = {f"model.{k}": v for k, v in model.get_params().items()}
        params.update({"model": model.name, "ticker": ticker.upper(), **(run_params or {})})
        params["trained_from"] = training["first_date"]
        params["trained_to"] = training["last_date"]
        now = int(datetime.now(UTC).timestamp() * 1000)
        flat = _flat_metrics(metrics)
        flat.update(_flat_metrics(naive_metrics, prefix="naive_"))
        client.log_batch(
            run_id,
            metrics=[Metric(k, v, now, 0) for k, v in sorted(flat.items())],
            params=[Param(k, str(v)) for k, v in sorted(params.items())],
            tags=[RunTag("mlflow.note.content", _run_note(model, metrics))],
        )
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "run"
            root.mkdir()
            _save_model_dir(model, Path(tmp) / "forecaster", root / "model")
            (root / "model" / "describe.json").write_text(json.dumps(described, indent=2))
            val = root / "validation"
            val.mkdir()
            walkforward.to_csv(val / "walkforward.csv", index=False)
            (val / "metrics.json").write_text(
                json.dumps({"model": metrics, "naive": naive_metrics}, indent=2, default=str)
            )
            if report_path is not None and Path(report_path).is_file():
                (val / Path(report_path).name).write_bytes(Path(report_path).read_bytes())
            client.log_artifacts(run_id, str(root))
        client.set_terminated(run_id, "FINISHED")
    except Exception:
        client.set_terminated(run_id, "FAILED")
        raise
    return str(run_id)


def _save_model_dir(model: Forecaster, native: Path, target: Path) -> None:
    """``target`` as an MLflow pyfunc model (MLmodel, signature, input example) with the
    native files under ``artifacts/forecaster``, and next to them the light serving form
    (checked against the native one) that the service reads directly."""
    from tickercast.models.light import export_light
    from tickercast.training.pyfunc import save_pyfunc

    model.save(native)
    export_light(model, native)
    save_pyfunc(model, native, target)


def _run_note(model: Forecaster, metrics: Mapping[str, Any]) -> str:
    rel = metrics.get("relative_mae", math.nan)
    return f"{model.name}: relative MAE {rel:.5f} vs naive on walk-forward (gate: DM/HLN test)."


def _significance_tags(verdict: gate.GateVerdict) -> dict[str, str]:
    return {
        "beats_naive": str(verdict.beats_naive).lower(),
        "p_value_vs_naive": repr(verdict.p_value),
        "dm_stat_vs_naive": repr(verdict.statistic),
        "margin": repr(verdict.margin),
        "gate_alpha": repr(verdict.alpha),
        "gate_loss": verdict.loss,
    }


def register_version(
    ticker: str,
    run_id: str,
    *,
    model: Forecaster,
    metrics: Mapping[str, Any],
    test_start: str | None,
    test_end: str | None,
    settings: Settings,
    significance: gate.GateVerdict | None = None,
) -> str:
    """Register the run's ``model/`` as a new version of ``tickercast-<TICKER>``; with
    ``significance`` (the DM test against naive) its verdict and p-value become tags."""
    from mlflow.exceptions import MlflowException

    client = _client(settings)
    name = registered_name(ticker)
    try:
        client.get_registered_model(name)
    except MlflowException:
        client.create_registered_model(
            name, description=f"tickercast forecasters for {ticker.upper()}"
        )
    flat = _flat_metrics(metrics)
    training = model.describe()["training"]
    tags = {k: repr(flat[k]) for k in _VERSION_METRICS if k in flat}
    tags.update(
        {
            "model_name": model.name,
            "champion_eligible": str(model.champion_eligible).lower(),
            "trained_from": str(training["first_date"]),
            "trained_to": str(training["last_date"]),
            "test_start": str(test_start),
            "test_end": str(test_end),
        }
    )
    if significance is not None:
        tags.update(_significance_tags(significance))
    run = client.get_run(run_id)
    mv = client.create_model_version(
        name, source=f"{run.info.artifact_uri}/model", run_id=run_id, tags=tags
    )
    return str(mv.version)


def _all_versions(client: MlflowClient, ticker: str) -> list[ModelVersion]:
    versions = client.search_model_versions(f"name='{registered_name(ticker)}'")
    return sorted(versions, key=lambda v: int(v.version))


def get_champion_version(ticker: str, settings: Settings) -> str | None:
    """The champion's version number, or None (one cheap registry query, for polling)."""
    from mlflow.exceptions import MlflowException

    try:
        mv = _client(settings).get_model_version_by_alias(registered_name(ticker), CHAMPION_ALIAS)
    except MlflowException:
        return None
    return str(mv.version)


def _none_tag(tags: Mapping[str, str], key: str) -> str | None:
    value = tags.get(key)
    return None if value in (None, "None") else value


def list_versions(ticker: str, settings: Settings) -> list[VersionInfo]:
    """Every registered version of the ticker, oldest first, with its validation summary."""
    client = _client(settings)
    champion = get_champion_version(ticker, settings)
    out = []
    for mv in _all_versions(client, ticker):
        tags = dict(mv.tags)
        out.append(
            VersionInfo(
                version=str(mv.version),
                model_name=tags.get("model_name", "?"),
                run_id=str(mv.run_id),
                created_at=datetime.fromtimestamp(mv.creation_timestamp / 1000, UTC).isoformat(
                    timespec="seconds"
                ),
                champion=str(mv.version) == champion,
                relative_mae=_float_tag(tags, "relative_mae"),
                skill=_float_tag(tags, "skill"),
                beats_naive=_beats_naive(tags),
                test_start=_none_tag(tags, "test_start"),
                test_end=_none_tag(tags, "test_end"),
                promotion=tags.get("promotion"),
                p_value=_optional_float(tags, "p_value_vs_naive"),
                margin=_optional_float(tags, "margin"),
            )
        )
    return out


def _get_version(client: MlflowClient, ticker: str, version: str) -> ModelVersion:
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version(registered_name(ticker), str(version))
    except MlflowException:
        raise ModelNotFound(
            f"version {version!r} of {registered_name(ticker)} does not exist; "
            f"see `tickercast models list {ticker.upper()}`"
        ) from None


def load_champion(ticker: str, settings: Settings) -> tuple[Forecaster, ChampionInfo]:
    """Download and load the champion model; ``ModelNotFound`` when there is none."""
    version = get_champion_version(ticker, settings)
    if version is None:
        raise ModelNotFound(
            f"no champion model for {ticker.upper()}; run `tickercast train {ticker.upper()} "
            "--model lightgbm --register` or `tickercast init`"
        )
    return load_version(ticker, version, settings)


def load_version(
    ticker: str, version: str, settings: Settings, *, light: bool = False
) -> tuple[Forecaster, ChampionInfo]:
    """Download and load one registered version from its native files (not through pyfunc);
    with ``light``, in its light serving form when it has one (``models.light``)."""
    client = _client(settings)
    mv = _get_version(client, ticker, version)
    with tempfile.TemporaryDirectory() as tmp:
        native = native_model_dir(Path(client.download_artifacts(str(mv.run_id), "model", tmp)))
        model = (load_light(native) if light else None) or load_model(native)
    run = client.get_run(str(mv.run_id))
    info = champion_info(
        ticker,
        model,
        version=str(mv.version),
        run_id=str(mv.run_id),
        tags=dict(mv.tags),
        metrics=dict(run.data.metrics),
    )
    return model, info


def fallback_versions(ticker: str, broken: str, settings: Settings) -> list[str]:
    """Versions to serve while champion ``broken`` cannot load, best first: earlier
    champions (most recently promoted first), then naive versions (newest first)."""
    versions = _all_versions(_client(settings), ticker)
    return fallback_order(((str(mv.version), dict(mv.tags)) for mv in versions), broken)


def _walkforward_frame(client: MlflowClient, run_id: str) -> pd.DataFrame | None:
    from mlflow.exceptions import MlflowException

    with tempfile.TemporaryDirectory() as tmp:
        try:
            path = client.download_artifacts(run_id, _WALKFORWARD_CSV, tmp)
        except (MlflowException, OSError):
            return None
        return pd.read_csv(path)


def _versus_naive(
    client: MlflowClient, ticker: str, version: ModelVersion, settings: Settings
) -> gate.GateVerdict | None:
    """The version's DM/HLN verdict against naive at ``settings.gate_alpha``: from its tags,
    else computed from its walk-forward CSV and tagged (versions registered before the gate)."""
    tags = dict(version.tags)
    p_value = _optional_float(tags, "p_value_vs_naive")
    if p_value is not None and tags.get("gate_loss") == settings.gate_loss:
        return gate.GateVerdict(
            beats_naive=p_value < settings.gate_alpha,
            p_value=p_value,
            statistic=_float_tag(tags, "dm_stat_vs_naive"),
            margin=_float_tag(tags, "margin"),
            alpha=settings.gate_alpha,
            loss=settings.gate_loss,
            n=0,
        )
    frame = _walkforward_frame(client, str(version.run_id))
    if frame is None or len(frame) < 3:
        return None
    verdict = gate.versus_naive(frame, alpha=settings.gate_alpha, loss=settings.gate_loss)
    for key, value in _significance_tags(verdict).items():
        client.set_model_version_tag(registered_name(ticker), str(version.version), key, value)
    return verdict


def _versus_champion(
    client: MlflowClient, candidate: ModelVersion, champion: ModelVersion, settings: Settings
) -> dict[str, Any]:
    """DM/HLN test of "candidate worse than champion" on the walk-forward dates they share."""
    cand = _walkforward_frame(client, str(candidate.run_id))
    champ = _walkforward_frame(client, str(champion.run_id))
    result = None
    if cand is not None and champ is not None:
        result = gate.versus_champion(cand, champ, loss=settings.gate_loss)
    if result is None:
        # No shared dates to test on: compare each one's MAE relative to naive instead.
        return {
            "common_days": 0,
            "p_value": None,
            "candidate_relative_mae": _float_tag(candidate.tags, "relative_mae"),
            "champion_relative_mae": _float_tag(champion.tags, "relative_mae"),
        }
    return {
        "common_days": result.n,
        "p_value": result.p_value,
        "statistic": result.statistic,
        "mean_loss_difference": result.mean_diff,
    }


def _set_champion(
    client: MlflowClient, ticker: str, version: str, promotion: str, note: str
) -> None:
    name = registered_name(ticker)
    client.set_registered_model_alias(name, CHAMPION_ALIAS, version)
    client.set_model_version_tag(name, version, "promotion", promotion)
    client.set_model_version_tag(
        # microseconds: the fallback after a broken champion orders versions by this
        name,
        version,
        "promoted_at",
        datetime.now(UTC).isoformat(timespec="microseconds"),
    )
    client.set_model_version_tag(name, version, "promotion_note", note[:4900])


def promote(
    ticker: str, version: str, *, force: bool = False, settings: Settings
) -> PromotionDecision:
    """Run the gate for ``version`` and move the ``champion`` alias if it passes (or forced)."""
    client = _client(settings)
    cand = _get_version(client, ticker, str(version))
    tags = dict(cand.tags)
    model_name = tags.get("model_name", "?")
    current = get_champion_version(ticker, settings)

    def decision(promoted: bool, champion: str | None, reason: str, **kw: Any) -> PromotionDecision:
        return PromotionDecision(ticker.upper(), str(version), promoted, champion, reason, **kw)

    if tags.get("champion_eligible") == "false":
        return decision(
            False,
            current,
            f"version {version} ({model_name}) is a reference model and is never eligible to be "
            f"champion, even with --force; champion stays {_describe(current)}.",
        )
    if current == str(version):
        return decision(True, current, f"version {version} ({model_name}) is already champion.")
    rel = _float_tag(tags, "relative_mae")
    details: dict[str, Any] = {"relative_mae": rel}
    if model_name == "naive" and current is None and not force:
        _set_champion(client, ticker, str(version), "fallback-naive", "no champion yet")
        return decision(
            True, str(version), f"version {version} (naive) is champion: nothing has beaten it yet."
        )
    failures: list[str] = []
    alpha = settings.gate_alpha
    verdict = _versus_naive(client, ticker, cand, settings)
    details["vs_naive"] = verdict.to_dict() if verdict else None
    if verdict is None:
        failures.append("it has no walk-forward forecasts to test against naive")
    elif not verdict.beats_naive:
        failures.append(
            f"it is not significantly better than naive (DM/HLN p = {verdict.p_value:.3f}, "
            f"needs < {alpha:g}; margin {verdict.margin:+.3%})"
        )
    if current is not None:
        champ = _get_version(client, ticker, current)
        cmp = _versus_champion(client, cand, champ, settings)
        details["vs_champion"] = cmp
        if cmp["p_value"] is not None and cmp["p_value"] < alpha:
            failures.append(
                f"it is significantly worse than champion version {current} "
                f"(DM/HLN p = {cmp['p_value']:.3f} on {cmp['common_days']} common days)"
            )
        elif cmp["p_value"] is None and (
            cmp["candidate_relative_mae"] > cmp["champion_relative_mae"]
        ):
            failures.append(
                f"it is worse than champion version {current} (relative MAE "
                f"{cmp['candidate_relative_mae']:.4f} vs {cmp['champion_relative_mae']:.4f}; "
                "no common walk-forward days to test on)"
            )
    if force:
        note = "forced past the gate" + (": " + "; ".join(failures) if failures else "")
        _set_champion(client, ticker, str(version), "forced", note)
        return decision(
            True,
            str(version),
            f"version {version} ({model_name}) is champion by --force ({note}).",
            forced=True,
            details=details,
        )
    if not failures:
        assert verdict is not None
        why = f"better than naive, DM/HLN p = {verdict.p_value:.4f}, margin {verdict.margin:+.3%}"
        _set_champion(client, ticker, str(version), "gate", why)
        return decision(
            True,
            str(version),
            f"version {version} ({model_name}) is champion: {why}.",
            details=details,
        )
    refused = f"version {version} ({model_name}) was not promoted: " + "; ".join(failures)
    if current is not None:
        return decision(
            False, current, f"{refused}. Champion stays {_describe(current)}.", details=details
        )
    naive = _latest_naive(client, ticker)
    if naive is None:
        return decision(
            False,
            None,
            f"{refused}. There is no champion and no naive version to "
            "fall back to; train one with `--model naive --register`.",
            details=details,
        )
    _set_champion(client, ticker, naive, "fallback-naive", refused)
    return decision(
        False, naive, f"{refused}. Naive (version {naive}) is champion instead.", details=details
    )


def refresh_naive(ticker: str, version: str, note: str, *, settings: Settings) -> None:
    """Make naive ``version`` champion without the gate, after a refused retrain: naive was
    serving (this brings its calibration and training end up to date) or the champion was
    significantly worse than naive out of sample (``note`` says which)."""
    client = _client(settings)
    if _get_version(client, ticker, version).tags.get("model_name") != "naive":
        raise ModelError(f"version {version} of {registered_name(ticker)} is not naive")
    _set_champion(client, ticker, version, "naive-refresh", note)


def record_retrain(
    ticker: str,
    run_id: str,
    version: str,
    *,
    trigger: str,
    outcome: RetrainDecision,
    data_date: str,
    drift: Mapping[str, Any] | None,
    decision: Mapping[str, Any],
    settings: Settings,
) -> None:
    """Log why a retrain ran and what became of the version: run tags + ``retrain/*.json``,
    and version tags that ``version_history`` reads."""
    client = _client(settings)
    client.set_tag(run_id, "tickercast.trigger", trigger)
    client.set_tag(run_id, "tickercast.decision", outcome)
    if drift is not None:
        client.set_tag(run_id, "tickercast.drift_status", str(drift.get("status")))
        for check in drift.get("checks", []):
            if check.get("statistic") is not None:
                client.log_metric(run_id, f"drift_{check['name']}", float(check["statistic"]))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "retrain"
        root.mkdir()
        (root / "drift.json").write_text(json.dumps(drift, indent=2, default=str))
        (root / "decision.json").write_text(json.dumps(decision, indent=2, default=str))
        client.log_artifacts(run_id, str(root), "retrain")
    name = registered_name(ticker)
    client.set_model_version_tag(name, version, "trigger", trigger)
    client.set_model_version_tag(name, version, "decision", outcome)
    client.set_model_version_tag(name, version, "data_date", data_date)


def version_history(ticker: str, settings: Settings) -> list[dict[str, Any]]:
    """Every version, oldest first: its trigger, gate p-values, decision, and the span it was
    champion (``served_from`` = its promotion, ``served_to`` = the next one's, None = now)."""
    client = _client(settings)
    champion = get_champion_version(ticker, settings)
    rows = []
    for mv in _all_versions(client, ticker):
        tags = dict(mv.tags)
        rows.append(
            {
                "version": str(mv.version),
                "model": tags.get("model_name"),
                "trigger": tags.get("trigger"),
                "decision": tags.get("decision") or ("promoted" if "promoted_at" in tags else None),
                "promotion": tags.get("promotion"),
                "beats_naive": _beats_naive(tags),
                "p_value_vs_naive": _optional_float(tags, "p_value_vs_naive"),
                "margin": _optional_float(tags, "margin"),
                "relative_mae": _optional_float(tags, "relative_mae"),
                "trained_from": _none_tag(tags, "trained_from"),
                "trained_to": _none_tag(tags, "trained_to"),
                "data_date": tags.get("data_date"),
                "champion": str(mv.version) == champion,
                "served_from": tags.get("promoted_at"),
                "served_to": None,
            }
        )
    served = sorted((r for r in rows if r["served_from"]), key=lambda r: str(r["served_from"]))
    for prev, nxt in itertools.pairwise(served):
        prev["served_to"] = nxt["served_from"]
    return rows


def _latest_naive(client: MlflowClient, ticker: str) -> str | None:
    naive = [mv for mv in _all_versions(client, ticker) if mv.tags.get("model_name") == "naive"]
    return str(naive[-1].version) if naive else None


def has_naive_version(ticker: str, settings: Settings) -> bool:
    """Whether a naive version exists to fall back on (the pipeline registers one if not)."""
    return _latest_naive(_client(settings), ticker) is not None


def _describe(version: str | None) -> str:
    return f"version {version}" if version is not None else "empty (no champion yet)"


def check_ticker(ticker: str) -> str:
    """Upper-cased ticker, or ModelError for names MLflow filters cannot hold."""
    t = ticker.strip().upper()
    if not t or "'" in t:
        raise ModelError(f"ticker {ticker!r} is not a valid ticker symbol")
    return t


def load_champion_walkforward(ticker: str, settings: Settings) -> tuple[pd.DataFrame, str]:
    """The champion's stored walk-forward forecasts (``validation/walkforward.csv``) and a
    label saying whose they are; ``ModelNotFound`` when there is no champion or no file."""
    client = _client(settings)
    version = get_champion_version(ticker, settings)
    if version is None:
        raise ModelNotFound(f"no champion model for {ticker.upper()}; nothing stored to backtest")
    mv = _get_version(client, ticker, version)
    frame = _walkforward_frame(client, str(mv.run_id))
    if frame is None:
        raise ModelNotFound(
            f"champion version {version} of {ticker.upper()} has no stored walk-forward "
            f"forecasts ({_WALKFORWARD_CSV}); retrain it with `tickercast train`"
        )
    name = dict(mv.tags).get("model_name", "?")
    return frame, f"stored walk-forward forecasts of champion version {version} ({name})"


def log_backtest_run(
    ticker: str,
    *,
    params: Mapping[str, Any],
    metrics: Mapping[str, float],
    artifacts: Path,
    note: str,
    settings: Settings,
) -> str:
    """Log one backtest as a run of the ticker's experiment (tagged ``tickercast.kind =
    backtest``) with the files under ``artifacts``; returns the run id."""
    from mlflow.entities import Metric, Param, RunTag

    client = _client(settings)
    exp_id = _experiment_id(client, ticker, settings)
    run = client.create_run(
        exp_id,
        run_name=f"backtest-{params.get('strategy', 'forecast')}-{params.get('end', '')}",
        tags={"tickercast.ticker": ticker.upper(), "tickercast.kind": "backtest"},
    )
    run_id = run.info.run_id
    try:
        now = int(datetime.now(UTC).timestamp() * 1000)
        client.log_batch(
            run_id,
            metrics=[
                Metric(k, float(v), now, 0)
                for k, v in sorted(metrics.items())
                if isinstance(v, int | float) and math.isfinite(v)
            ],
            params=[Param(k, str(v)[:500]) for k, v in sorted(params.items())],
            tags=[RunTag("mlflow.note.content", note)],
        )
        client.log_artifacts(run_id, str(artifacts))
        client.set_terminated(run_id, "FINISHED")
    except Exception:
        client.set_terminated(run_id, "FAILED")
        raise
    return str(run_id)
