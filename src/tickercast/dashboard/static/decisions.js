// tickercast decisions panel: today's decision (GET /v1/tickers/{t}/decision: a read, so a
// read-only key or the sign-in cookie is enough) and the champion's backtest
// equity against buy-and-hold (GET /v1/tickers/{t}/backtest). Kept apart from dashboard.js:
// it only reads the ticker picker and draws into its own card.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const pct = (v) => (v == null ? "–" : `${(100 * v).toFixed(2)} %`);
  let shown = null;
  let priceTrades = { ticker: null, trades: [] };
  const tc = (window.__tc = window.__tc || {});

  // trade markers on the price chart, drawn by dashboard.js through its extraTraces hook
  tc.extraTraces = (ticker) => {
    if (priceTrades.ticker !== ticker) return [];
    return ["buy", "sell"].map((side) => {
      const t = priceTrades.trades.filter((x) => x.side === side);
      return {
        type: "scatter", mode: "markers", name: `backtest ${side}`, x: t.map((x) => x.date), y: t.map((x) => x.price),
        marker: { symbol: side === "buy" ? "triangle-up" : "triangle-down", size: 10, color: side === "buy" ? "#1a9850" : "#d73027" },
        hovertemplate: `backtest ${side} @ %{y:.2f}<extra></extra>`,
      };
    });
  };

  async function problem(response) {
    try {
      const body = await response.json();
      return body.detail || response.statusText;
    } catch (_) {
      return response.statusText;
    }
  }

  async function renderDecision(ticker) {
    const el = $("decision");
    const response = await fetch(`/v1/tickers/${encodeURIComponent(ticker)}/decision`);
    if (!response.ok) {
      el.innerHTML = `<p class="warning" data-testid="decision-error">No decision: ${esc(await problem(response))}</p>`;
      return;
    }
    const d = await response.json();
    el.innerHTML =
      `<p class="decision-action" data-testid="decision-action" data-action="${esc(d.action)}">` +
      `<b>${esc(d.action.toUpperCase())}</b> · target weight ${d.target_weight.toFixed(3)}</p>` +
      `<p data-testid="decision-reason">${esc(d.reason)}</p>` +
      `<p class="muted">as of ${esc(d.as_of || "?")} · P(up) ${d.prob_up.toFixed(3)} · ` +
      `${esc(d.model.name)} v${esc(d.model.version)} (from a flat position, default costs)</p>`;
  }

  async function renderBacktest(ticker) {
    const el = $("equity");
    const verdict = $("backtest-verdict");
    const response = await fetch(`/v1/tickers/${encodeURIComponent(ticker)}/backtest?n_random=100`);
    if (!response.ok) {
      verdict.textContent = `No backtest: ${await problem(response)}`;
      if (window.Plotly) Plotly.purge(el);
      return;
    }
    const b = await response.json();
    priceTrades = { ticker, trades: b.trades };
    if (tc.render) tc.render();
    const m = b.metrics;
    verdict.innerHTML =
      `${esc(b.verdict.line)} <span class="muted">Strategy ${pct(m.strategy.total_return)}, ` +
      `buy-and-hold ${pct(m["buy-and-hold"].total_return)} (${esc(b.start)} → ${esc(b.end)}, ` +
      `${m.strategy.trades} trades, costs ${b.config.costs.commission_bps} + ${b.config.costs.slippage_bps} bps).</span>`;
    if (!window.Plotly) return;
    const traces = [
      { type: "scatter", mode: "lines", name: "strategy", x: b.dates, y: b.equity, line: { color: "#e8710a" } },
      { type: "scatter", mode: "lines", name: "buy-and-hold", x: b.dates, y: b.buy_and_hold, line: { color: "#2166ac" } },
    ];
    for (const side of ["buy", "sell"]) {
      const t = b.trades.filter((x) => x.side === side);
      const at = new Map(b.dates.map((d, i) => [d, b.equity[i]]));
      traces.push({
        type: "scatter", mode: "markers", name: side, x: t.map((x) => x.date), y: t.map((x) => at.get(x.date)),
        marker: { symbol: side === "buy" ? "triangle-up" : "triangle-down", size: 9, color: side === "buy" ? "#1a9850" : "#d73027" },
        hovertemplate: `${side} %{x}<extra></extra>`,
      });
    }
    await Plotly.react(el, traces, {
      margin: { l: 56, r: 8, t: 8, b: 28 }, legend: { orientation: "h" }, hovermode: "x unified",
      yaxis: { title: { text: "equity" } },
    }, { responsive: true, displaylogo: false });
    el.dataset.painted = "1";
  }

  async function show(ticker) {
    if (!ticker || ticker === shown) return;
    shown = ticker;
    await Promise.all([renderDecision(ticker).catch(() => {}), renderBacktest(ticker).catch(() => {})]);
  }

  function watch() {
    const picker = $("ticker");
    if (!picker) return;
    picker.addEventListener("change", () => show(picker.value));
    const ready = () => picker.value && show(picker.value);
    new MutationObserver(ready).observe(picker, { childList: true });
    ready();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch, { once: true });
  else watch();
})();
