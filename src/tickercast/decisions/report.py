"""A self-contained HTML backtest report: the equity curve against buy-and-hold (with the
random strategies' 5-95% band), the drawdown, and the trades on the price chart.

Interactive Plotly with the dashboard's vendored bundle inlined: one file that opens offline
and is logged to MLflow as a single artifact.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tickercast.decisions.metrics import drawdown

if TYPE_CHECKING:
    from tickercast.decisions.backtest import BacktestReport

__all__ = ["METRIC_COLUMNS", "render_html", "write_report"]

METRIC_COLUMNS = (
    ("total_return", "total return", "pct"),
    ("cagr", "CAGR", "pct"),
    ("volatility", "volatility", "pct"),
    ("sharpe", "Sharpe", "num"),
    ("sortino", "Sortino", "num"),
    ("max_drawdown", "max drawdown", "pct"),
    ("calmar", "Calmar", "num"),
    ("exposure", "exposure", "pct"),
    ("turnover", "turnover /yr", "num"),
    ("trades", "trades", "int"),
    ("hit_rate", "hit rate", "pct"),
    ("avg_win", "avg win", "pct"),
    ("avg_loss", "avg loss", "pct"),
)


def fmt(value: Any, kind: str) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "n/a"
    if kind == "pct":
        return f"{100 * value:.2f}%"
    if kind == "int":
        return f"{value:.0f}"
    return f"{value:.2f}"


def _table(report: BacktestReport) -> str:
    head = "".join(f"<th>{label}</th>" for _, label, _ in METRIC_COLUMNS)
    rows = []
    named = {
        **report.metrics,
        "random (mean)": {k: v["mean"] for k, v in report.random_metrics.items()},
    }
    for name, m in named.items():
        cells = "".join(f"<td>{fmt(m.get(key), kind)}</td>" for key, _, kind in METRIC_COLUMNS)
        rows.append(f"<tr><th>{html.escape(name)}</th>{cells}</tr>")
    return f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _figure(report: BacktestReport) -> Any:
    from plotly.subplots import make_subplots

    s = report.strategy
    bh = report.benchmarks["buy-and-hold"]
    x = [str(d)[:10] for d in s.bars.dates]
    fig = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.45, 0.35, 0.2],
        vertical_spacing=0.04,
        subplot_titles=("price and trades", "equity", "drawdown"),
    )
    fig.add_scatter(
        x=x, y=s.bars.close, name="close", line={"color": "#555", "width": 1}, row=1, col=1
    )
    for side, mask, symbol, color in (
        ("buy", s.traded > 0, "triangle-up", "#1a9850"),
        ("sell", s.traded < 0, "triangle-down", "#d73027"),
    ):
        idx = np.flatnonzero(mask)
        fig.add_scatter(
            x=[x[i] for i in idx],
            y=s.fill_price[idx],
            mode="markers",
            name=side,
            marker={"symbol": symbol, "size": 9, "color": color},
            customdata=np.abs(s.traded[idx]),
            hovertemplate=f"{side} %{{customdata:.2f}} @ %{{y:.2f}}<extra></extra>",
            row=1,
            col=1,
        )
    if report.random_band:
        fig.add_scatter(
            x=x,
            y=report.random_band["p95"],
            line={"width": 0},
            showlegend=False,
            hoverinfo="skip",
            row=2,
            col=1,
        )
        fig.add_scatter(
            x=x,
            y=report.random_band["p05"],
            fill="tonexty",
            fillcolor="rgba(120,120,120,0.18)",
            line={"width": 0},
            name="random 5-95%",
            row=2,
            col=1,
        )
    fig.add_scatter(
        x=x,
        y=s.equity,
        name=f"strategy ({report.config.strategy})",
        line={"color": "#e8710a"},
        row=2,
        col=1,
    )
    fig.add_scatter(x=x, y=bh.equity, name="buy-and-hold", line={"color": "#2166ac"}, row=2, col=1)
    fig.add_scatter(
        x=x,
        y=100 * drawdown(s.equity, s.initial_cash),
        name="strategy drawdown %",
        line={"color": "#e8710a", "width": 1},
        row=3,
        col=1,
    )
    fig.add_scatter(
        x=x,
        y=100 * drawdown(bh.equity, bh.initial_cash),
        name="buy-and-hold drawdown %",
        line={"color": "#2166ac", "width": 1},
        row=3,
        col=1,
    )
    fig.update_layout(
        height=900, margin={"l": 50, "r": 10, "t": 40, "b": 30}, hovermode="x unified"
    )
    return fig


def render_html(report: BacktestReport) -> str:
    from tickercast.dashboard import plotly_js

    cfg = report.config
    title = f"tickercast backtest - {report.ticker or 'series'} {report.start} .. {report.end}"
    c = cfg.costs
    fill = "next open" if cfg.fill == "open" else "close"
    notes = [
        f"strategy: {cfg.strategy}; forecasts: {report.forecast_source or 'none'}",
        f"costs: commission {c.commission_bps:g} bps, slippage {c.slippage_bps:g} bps, "
        f"fixed {c.fixed:g} per trade; fills at the {fill}",
        f"random: {cfg.n_random} re-timings of the strategy's positions (same exposure and trades)",
    ]
    plot = _figure(report).to_html(full_html=False, include_plotlyjs=False)
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:1.5rem}table{border-collapse:collapse;"
        "font-size:13px}td,th{border:1px solid #ddd;padding:3px 7px;text-align:right}"
        ".verdict{font-size:1.1rem;font-weight:600;margin:1rem 0}</style>"
        f"<script>{plotly_js().read_text()}</script></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f"<p class='verdict' id='verdict'>{html.escape(report.verdict.line)}</p>"
        + "".join(f"<p>{html.escape(n)}</p>" for n in notes)
        + _table(report)
        + plot
        + "</body></html>"
    )


def write_report(report: BacktestReport, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
    return path
