"""A self-contained HTML validation report: metrics table plus, per model, predictions vs
actuals with intervals, residuals, and rolling interval coverage (PNG, embedded as base64).

One file so it can be opened anywhere and logged to MLflow as a single artifact.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tickercast.training.walkforward import WalkForwardResult

__all__ = ["direction_text", "metrics_rows", "render_html", "write_report"]

_ZOOM_DAYS = 120
_ROLLING = 50


def metrics_rows(metrics: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One flat row per model (naive first): the columns of the CLI table and README."""
    rows = []
    for name, m in metrics.items():
        da = m["directional_accuracy"]
        rows.append(
            {
                "model": name,
                "n": m["n"],
                "mae": m["mae"],
                "rmse": m["rmse"],
                "mape": m["mape"],
                "mase": m["mase"],
                "relative_mae": m["relative_mae"],
                "skill": m["skill"],
                "dir_acc": da["value"],
                "dir_acc_low": da["low"],
                "dir_acc_high": da["high"],
                "dir_n": da["n"],
                **{f"coverage_{lv}": v for lv, v in m["coverage"].items()},
                **{f"width_pct_{lv}": v for lv, v in m["width_pct"].items()},
                "lag_copy": m["lag_copy"],
            }
        )
    return rows


def direction_text(row: Mapping[str, Any], missing: str = "n/a") -> str:
    """Directional accuracy with its 95% CI, ``0.519 [0.475, 0.563]``; ``missing`` for naive,
    which never predicts a move."""
    if np.isnan(row["dir_acc"]):
        return missing
    return f"{row['dir_acc']:.3f} [{row['dir_acc_low']:.3f}, {row['dir_acc_high']:.3f}]"


def _fmt(value: Any, digits: int = 4) -> str:
    if isinstance(value, float):
        return "n/a" if np.isnan(value) else f"{value:.{digits}f}"
    return str(value)


def _figure_png(result: WalkForwardResult, levels: Sequence[int]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = result.dates if result.dates is not None else result.index
    zoom = slice(max(len(x) - _ZOOM_DAYS, 0), None)
    fig, axes = plt.subplots(3, 1, figsize=(10, 9), constrained_layout=True)
    ax = axes[0]
    for lv, alpha in zip(sorted(levels, reverse=True), (0.15, 0.3, 0.45), strict=False):
        ax.fill_between(
            x[zoom],
            result.lower[lv][zoom],
            result.upper[lv][zoom],
            alpha=alpha,
            color="tab:blue",
            label=f"{lv}% interval",
            step="mid",
        )
    ax.plot(x[zoom], result.actual[zoom], color="black", lw=1.2, label="actual close")
    ax.plot(x[zoom], result.point[zoom], color="tab:orange", lw=1.0, label="forecast")
    ax.set_title(f"{result.model}: one-step forecasts, last {len(x[zoom])} test days")
    ax.legend(loc="upper left", fontsize=8)
    ax = axes[1]
    resid = 100.0 * (result.actual - result.point) / result.last
    ax.plot(x, resid, lw=0.6, color="tab:gray")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_title("residual (actual - forecast) in % of the last close")
    ax = axes[2]
    window = max(min(_ROLLING, len(x) // 2), 1)
    for lv in levels:
        inside = (result.actual >= result.lower[lv]) & (result.actual <= result.upper[lv])
        kernel = np.ones(window) / window
        rolling = 100.0 * np.convolve(inside.astype(float), kernel, mode="valid")
        (line,) = ax.plot(x[window - 1 :], rolling, lw=1.0, label=f"{lv}% rolling coverage")
        ax.axhline(lv, color=line.get_color(), ls="--", lw=0.8)
    ax.set_ylim(0, 101)
    ax.set_title(f"interval coverage over a rolling {window}-day window (dashed: nominal)")
    ax.legend(loc="lower left", fontsize=8)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def render_html(
    title: str,
    metrics: Mapping[str, Mapping[str, Any]],
    results: Mapping[str, WalkForwardResult],
    levels: Sequence[int] = (80, 95),
    notes: Sequence[str] = (),
) -> str:
    """The report as one HTML string."""
    rows = metrics_rows(metrics)
    cols = [c for c in rows[0] if c not in ("dir_acc_low", "dir_acc_high")] if rows else []
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = []
    for row in rows:
        cells = []
        for c in cols:
            value = direction_text(row) if c == "dir_acc" else _fmt(row[c])
            cells.append(f"<td>{html.escape(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    figures = "".join(
        f"<h2>{html.escape(name)}</h2><img alt='{html.escape(name)} plots' "
        f"src='data:image/png;base64,{_figure_png(res, levels)}'>"
        for name, res in results.items()
    )
    notes_html = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>"
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><ul>{notes_html}</ul>"
        f"<table><tr>{head}</tr>{''.join(body)}</table>{figures}</body></html>"
    )


def write_report(
    path: Path,
    title: str,
    metrics: Mapping[str, Mapping[str, Any]],
    results: Mapping[str, WalkForwardResult],
    levels: Sequence[int] = (80, 95),
    notes: Sequence[str] = (),
) -> Path:
    """Write the HTML report to ``path`` (parents created) and return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(title, metrics, results, levels, notes), encoding="utf-8")
    return path
