// tickercast dashboard: a client of the JSON API (/v1/...) plus the live event stream.
// Every view is rebuilt from server data, so a reload shows the same history. For the
// replayed ticker, history is read up to the feed cursor (the bar that arrived last).
"use strict";

(() => {
  const HISTORY_DAYS = 730; // first paint: about two years; "all" loads the rest on demand
  const RANGE_MONTHS = { "1M": 1, "6M": 6, "1Y": 12 };
  const ACCURACY_EVERY_MS = 1000;
  const RETRY_MS = 3000;

  const $ = (id) => document.getElementById(id);
  const tc = (window.__tc = { latencies: [], firstPaintMs: null, events: 0 });

  const state = (tc.state = {
    ticker: null,
    history: [],
    historyTimer: null,
    tickers: [],
    feed: null,
    bars: emptyBars(),
    preds: new Map(), // target_date -> stored prediction (one per day)
    next: null,
    range: "6M",
    allLoaded: false,
    lastEventId: null,
    source: null,
    pendingLatency: [],
    renderQueued: false,
    accuracyTimer: null,
    accuracyDue: false,
    loadSeq: 0,
    retryTimer: null,
  });

  function emptyBars() {
    return { date: [], open: [], high: [], low: [], close: [], volume: [] };
  }

  // ------------------------------------------------------------------ API
  class ApiError extends Error {
    constructor(status, detail) {
      super(detail);
      this.status = status;
    }
  }

  async function api(path) {
    let response;
    try {
      response = await fetch(path, { headers: { Accept: "application/json" } });
    } catch (err) {
      throw new ApiError(0, "the service is unreachable");
    }
    if (!response.ok) {
      let detail = response.statusText;
      try {
        detail = (await response.json()).detail || detail;
      } catch (_) {}
      throw new ApiError(response.status, typeof detail === "string" ? detail : JSON.stringify(detail));
    }
    return response.json();
  }

  const query = (params) =>
    Object.entries(params)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join("&");

  function addDays(iso, days) {
    const d = new Date(iso + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }

  function addMonths(iso, months) {
    const d = new Date(iso + "T00:00:00Z");
    d.setUTCMonth(d.getUTCMonth() + months);
    return d.toISOString().slice(0, 10);
  }

  // ------------------------------------------------------------------ loading
  // Start the first requests at once, while Plotly.js is still being parsed.
  let firstLoad = Promise.all([api("/v1/feed"), api("/v1/tickers")]);
  // This deferred script runs once the page is parsed, just before Plotly.js (deferred after
  // it, slow to compile): panels render at once, the chart when Plotly is there.
  const plotlyReady = new Promise((resolve) => {
    if (window.Plotly || document.readyState === "complete") resolve();
    else document.addEventListener("DOMContentLoaded", resolve, { once: true });
  });

  async function start() {
    const pending = firstLoad || Promise.all([api("/v1/feed"), api("/v1/tickers")]);
    firstLoad = null;
    let feed, tickers;
    try {
      [feed, tickers] = await pending;
    } catch (err) {
      unreachable(err);
      return;
    }
    hideBanner();
    state.feed = feed;
    state.tickers = tickers.filter((t) => t.rows > 0);
    renderFeed();
    if (!state.tickers.length) {
      showEmpty(
        "No price data yet. Load the bundled history with <code>tickercast init</code> " +
          "or your own with <code>tickercast data ingest TICKER --source csv --path FILE</code>."
      );
      setBodyState("empty");
      connect();
      return;
    }
    const wanted = new URLSearchParams(location.search).get("ticker");
    const names = state.tickers.map((t) => t.ticker);
    const preferred = [wanted && wanted.toUpperCase(), feed.ticker, document.body.dataset.defaultTicker];
    state.ticker = preferred.find((t) => t && names.includes(t)) || names[0];
    fillPicker(names);
    await loadTicker();
  }

  function visibleEnd() {
    if (state.feed && state.feed.ticker === state.ticker && state.feed.cursor) return state.feed.cursor;
    const info = state.tickers.find((t) => t.ticker === state.ticker);
    return info ? info.last_date : null;
  }

  async function loadTicker() {
    const seq = ++state.loadSeq;
    const ticker = state.ticker;
    const end = visibleEnd();
    const startDate = end ? addDays(end, -HISTORY_DAYS) : null;
    const eventId = state.feed ? state.feed.last_event_id : null;
    const t = encodeURIComponent(ticker);
    const model = api(`/v1/models/${t}`).catch((err) => err);
    const versions = api(`/v1/models/${t}/history`).catch(() => ({ versions: [] }));
    api(`/v1/tickers/${t}`).then((d) => seq === state.loadSeq && renderUpdated(d), () => {});
    let prices, history, accuracy;
    try {
      [prices, history, accuracy] = await Promise.all([
        api(`/v1/tickers/${t}/prices?${query({ start: startDate, end })}`),
        api(`/v1/tickers/${t}/predictions?${query({ start: startDate, end })}`),
        api(`/v1/tickers/${t}/accuracy?${query({ window: "1,10,50,all", end })}`),
      ]);
    } catch (err) {
      if (seq === state.loadSeq) unreachable(err);
      return;
    }
    if (seq !== state.loadSeq) return; // the user picked another ticker meanwhile
    state.bars = emptyBars();
    for (const bar of prices.bars) pushBar(bar);
    state.preds = new Map(history.predictions.map((p) => [p.target_date, p]));
    state.next = history.next;
    const info = state.tickers.find((x) => x.ticker === ticker);
    state.allLoaded = !startDate || !info || info.first_date >= startDate;
    state.lastEventId = eventId;
    hideBanner();
    if (!prices.bars.length) {
      showEmpty(`No bars stored for ${ticker} yet.`);
      setBodyState("empty");
    } else {
      $("empty").hidden = true;
      $("chart").hidden = false;
      setBodyState("ready");
    }
    renderAccuracy(accuracy);
    const served = await model;
    renderModel(served);
    state.history = (await versions).versions || [];
    renderTimeline();
    if (!state.next && !(served instanceof Error) && !isFeedTicker()) makeForecast(ticker);
    scheduleRender();
    connect();
  }

  async function makeForecast(ticker) {
    // A ticker the feed does not play: forecast from its last stored bar (the API stores it).
    try {
      const f = await api(`/v1/tickers/${encodeURIComponent(ticker)}/forecast?horizon=1&levels=80,95`);
      if (ticker !== state.ticker) return;
      const step = f.steps[0];
      const band = Object.fromEntries(step.intervals.map((i) => [i.level, i]));
      state.next = {
        origin_date: f.origin_date, target_date: step.target_date, base_close: f.last_close,
        point: step.point, model: f.model.name, version: f.model.version,
        lower_80: band[80].lower, upper_80: band[80].upper, lower_95: band[95].lower, upper_95: band[95].upper,
      };
      scheduleRender();
    } catch (_) {
      /* no model or too little history: the model panel says so */
    }
  }

  async function loadAllHistory() {
    const t = encodeURIComponent(state.ticker);
    const end = visibleEnd();
    const [prices, history] = await Promise.all([
      api(`/v1/tickers/${t}/prices?${query({ end })}`),
      api(`/v1/tickers/${t}/predictions?${query({ end })}`),
    ]);
    const live = state.bars; // keep bars that arrived while loading
    state.bars = emptyBars();
    for (const bar of prices.bars) pushBar(bar);
    for (let i = 0; i < live.date.length; i++) upsertBar(barAt(live, i));
    for (const p of history.predictions) if (!state.preds.has(p.target_date)) state.preds.set(p.target_date, p);
    state.allLoaded = true;
  }

  const isFeedTicker = () => state.feed && state.feed.ticker === state.ticker && state.feed.kind !== "none";

  // ------------------------------------------------------------------ bars
  function pushBar(bar) {
    const b = state.bars;
    const close = bar.close;
    b.date.push(bar.date);
    b.open.push(bar.open ?? close);
    b.high.push(bar.high ?? close);
    b.low.push(bar.low ?? close);
    b.close.push(close);
    b.volume.push(bar.volume ?? 0);
  }

  function barAt(b, i) {
    return { date: b.date[i], open: b.open[i], high: b.high[i], low: b.low[i], close: b.close[i], volume: b.volume[i] };
  }

  function upsertBar(bar) {
    const b = state.bars;
    const n = b.date.length;
    if (!n || bar.date > b.date[n - 1]) return pushBar(bar);
    const i = b.date.indexOf(bar.date);
    if (i >= 0) {
      b.open[i] = bar.open ?? bar.close; b.high[i] = bar.high ?? bar.close;
      b.low[i] = bar.low ?? bar.close; b.close[i] = bar.close; b.volume[i] = bar.volume ?? 0;
    }
  }

  // ------------------------------------------------------------------ live events
  function connect() {
    if (state.source) state.source.close();
    if (!state.ticker && state.tickers.length) return;
    const ticker = state.ticker || (state.feed && state.feed.ticker) || document.body.dataset.defaultTicker;
    const after = state.lastEventId !== null ? `?last_event_id=${state.lastEventId}` : "";
    const source = new EventSource(`/v1/stream/${encodeURIComponent(ticker)}${after}`);
    state.source = source;
    source.onopen = () => {
      hideBanner();
      renderFeed();
    };
    source.onerror = () => {
      if (state.source !== source) return;
      showBanner("Live updates interrupted: the service is unreachable. Reconnecting…");
      setFeedBadge("disconnected", "disconnected · reconnecting…");
      if (source.readyState === EventSource.CLOSED) setTimeout(() => state.source === source && restart(), RETRY_MS);
    };
    const on = (kind, handler) =>
      source.addEventListener(kind, (event) => {
        if (state.source !== source) return;
        tc.events += 1;
        state.lastEventId = Number(event.lastEventId) || state.lastEventId;
        handler(JSON.parse(event.data));
      });
    on("bar", onBar);
    on("prediction", (p) => {
      if (p.ticker !== state.ticker) return;
      state.next = p;
      scheduleRender();
    });
    on("score", (s) => {
      if (s.ticker !== state.ticker) return;
      const known = state.preds.get(s.target_date) || {};
      state.preds.set(s.target_date, { ...known, ...s });
      refreshAccuracySoon();
      scheduleRender();
    });
    on("status", (status) => {
      state.feed = status;
      renderFeed();
    });
    on("reset", () => restart());
    on("drift", (d) => {
      if (d.ticker !== state.ticker) return;
      renderDrift(d);
      if (d.status === "drift") refreshHistorySoon();
    });
    on("model", (m) => {
      if (m.ticker !== state.ticker) return;
      api(`/v1/models/${encodeURIComponent(m.ticker)}`).then(renderModel, () => {});
      refreshHistorySoon(0);
    });
  }

  function refreshHistorySoon(delay = 3000) {
    if (state.historyTimer) return;
    state.historyTimer = setTimeout(async () => {
      state.historyTimer = null;
      const t = encodeURIComponent(state.ticker);
      const out = await api(`/v1/models/${t}/history`).catch(() => null);
      if (!out) return;
      state.history = out.versions || [];
      renderTimeline();
      scheduleRender();
    }, delay);
  }

  function renderDrift(d) {
    const el = $("drift");
    el.dataset.state = d.status;
    const which = d.drifted && d.drifted.length ? ` (${d.drifted.join(", ")})` : "";
    el.textContent = `${d.status}${which} · as of ${d.as_of}`;
  }

  // One marker per retrain or promotion, at the last bar its model saw.
  function timelineEvents() {
    return (state.history || [])
      .map((v) => ({ ...v, at: v.data_date || v.trained_to }))
      .filter((v) => v.at && (v.trigger || v.served_from));
  }

  function renderTimeline() {
    const el = $("timeline");
    const events = timelineEvents();
    if (!events.length) {
      el.innerHTML = `<li class="muted">no versions registered</li>`;
      return;
    }
    el.innerHTML = events
      .map((v) => {
        const decision = v.decision || (v.served_from ? "promoted" : "registered");
        const p = v.p_value_vs_naive == null ? "not tested" : `p = ${v.p_value_vs_naive.toFixed(3)}`;
        const margin = v.margin == null ? "" : `, margin ${(100 * v.margin).toFixed(2)} %`;
        const now = v.champion ? " · <strong>serving</strong>" : "";
        return (
          `<li data-testid="timeline-entry" data-decision="${esc(decision)}">` +
          `<time>${esc(v.at)}</time> v${esc(v.version)} ${esc(v.model || "?")} · ` +
          `${esc(v.trigger || "manual")} · <span class="decision">${esc(decision)}</span> ` +
          `<span class="muted">(vs naive ${p}${margin})</span>${now}</li>`
        );
      })
      .join("");
  }

  function onBar(bar) {
    if (state.feed && bar.ticker === state.feed.ticker) {
      state.feed.cursor = bar.date;
      state.feed.bars += 1;
      renderFeed();
    }
    if (bar.ticker !== state.ticker) return;
    upsertBar(bar);
    if (bar.stored_at_ms) state.pendingLatency.push(bar.stored_at_ms);
    if ($("chart").hidden) {
      $("empty").hidden = true;
      $("chart").hidden = false;
      setBodyState("ready");
    }
    scheduleRender();
  }

  function restart() {
    // Reload everything from the REST API (after a gap the stream cannot fill, or a restart).
    if (state.source) state.source.close();
    state.source = null;
    start();
  }

  function refreshAccuracySoon() {
    state.accuracyDue = true;
    if (state.accuracyTimer) return;
    state.accuracyTimer = setTimeout(async () => {
      state.accuracyTimer = null;
      if (!state.accuracyDue) return;
      state.accuracyDue = false;
      const t = encodeURIComponent(state.ticker);
      try {
        renderAccuracy(await api(`/v1/tickers/${t}/accuracy?${query({ window: "1,10,50,all", end: visibleEnd() })}`));
      } catch (_) {}
    }, ACCURACY_EVERY_MS);
  }

  // ------------------------------------------------------------------ chart
  function scheduleRender() {
    if (state.renderQueued) return;
    state.renderQueued = true;
    requestAnimationFrame(renderChart);
  }

  function lastDate() {
    const d = state.bars.date;
    return d.length ? d[d.length - 1] : null;
  }

  function chartTraces() {
    const b = state.bars;
    const traces = [
      {
        type: "candlestick", name: state.ticker, x: b.date, open: b.open, high: b.high, low: b.low, close: b.close,
        increasing: { line: { color: "#1a9850", width: 1 } }, decreasing: { line: { color: "#d73027", width: 1 } },
        showlegend: false, hoverlabel: { namelength: 0 },
      },
      {
        type: "bar", name: "volume", x: b.date, y: b.volume, yaxis: "y2", showlegend: false,
        marker: { color: "rgba(104,115,133,0.35)" }, hovertemplate: "volume %{y:,}<extra></extra>",
      },
    ];
    const targets = [...state.preds.keys()].filter((d) => d <= (lastDate() || d)).sort();
    traces.push({
      type: "scatter", mode: "lines", name: "predicted close (1 day ahead)", x: targets,
      y: targets.map((d) => state.preds.get(d).point), line: { color: "#e8710a", width: 1.5 },
      hovertemplate: "predicted %{y:.2f}<extra></extra>",
    });
    const next = state.next;
    const last = lastDate();
    if (next && last && next.origin_date === last && next.lower_95 != null) {
      const x0 = next.origin_date, x1 = next.target_date, c = next.base_close;
      const fan = (lo, hi, name, color) => ({
        type: "scatter", mode: "lines", name, x: [x0, x1, x1, x0], y: [c, hi, lo, c], fill: "toself",
        fillcolor: color, line: { width: 0 }, hoverinfo: "skip",
      });
      traces.push(fan(next.lower_95, next.upper_95, "95% interval", "rgba(232,113,10,0.15)"));
      traces.push(fan(next.lower_80, next.upper_80, "80% interval", "rgba(232,113,10,0.30)"));
      // error bars keep the interval readable at any zoom (the fan is one day wide)
      const whisker = (lo, hi, thickness, width, color) => ({
        type: "scatter", mode: "markers", x: [x1], y: [next.point], showlegend: false, hoverinfo: "skip",
        marker: { size: 1, color },
        error_y: { type: "data", symmetric: false, array: [hi - next.point], arrayminus: [next.point - lo], thickness, width, color },
      });
      traces.push(whisker(next.lower_95, next.upper_95, 2, 6, "rgba(232,113,10,0.55)"));
      traces.push(whisker(next.lower_80, next.upper_80, 5, 0, "rgba(232,113,10,0.85)"));
      traces.push({
        type: "scatter", mode: "lines+markers", name: "next-day forecast", x: [x0, x1], y: [c, next.point],
        line: { color: "#e8710a", dash: "dot", width: 2 }, marker: { size: [0, 9], color: "#e8710a" },
        hovertemplate: `forecast %{y:.2f} (80% ${next.lower_80.toFixed(2)}–${next.upper_80.toFixed(2)}, ` +
          `95% ${next.lower_95.toFixed(2)}–${next.upper_95.toFixed(2)})<extra></extra>`,
      });
    }
    // other scripts (decisions.js) add their own traces through this hook
    if (typeof tc.extraTraces === "function") traces.push(...tc.extraTraces(state.ticker));
    return traces;
  }
  tc.render = () => scheduleRender();

  function visibleRange() {
    const last = lastDate();
    if (!last) return null;
    const left = state.range === "all" ? state.bars.date[0] : addMonths(last, -RANGE_MONTHS[state.range]);
    const span = (Date.parse(last) - Date.parse(left)) / 86400000;
    const edge = state.next && state.next.origin_date === last ? state.next.target_date : last;
    return [left, addDays(edge, Math.max(2, Math.round(span * 0.03)))];
  }

  function yRanges(x0) {
    const b = state.bars;
    let lo = Infinity, hi = -Infinity, vmax = 0;
    for (let i = b.date.length - 1; i >= 0 && b.date[i] >= x0; i--) {
      lo = Math.min(lo, b.low[i]);
      hi = Math.max(hi, b.high[i]);
      vmax = Math.max(vmax, b.volume[i]);
    }
    const n = state.next;
    if (n && n.origin_date === lastDate() && n.lower_95 != null) {
      lo = Math.min(lo, n.lower_95);
      hi = Math.max(hi, n.upper_95);
    }
    if (!isFinite(lo)) return [null, null];
    const pad = (hi - lo) * 0.04 || hi * 0.01;
    return [[lo - pad, hi + pad], [0, vmax * 1.1 || 1]];
  }

  function chartLayout(gd) {
    const narrow = window.innerWidth < 760;
    const layout = {
      margin: { l: 48, r: 8, t: 8, b: 28 },
      showlegend: !narrow,
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", font: { size: 11 } },
      xaxis: { type: "date", rangeslider: { visible: false }, showgrid: false },
      yaxis: { domain: [0.22, 1], tickformat: ".2f", fixedrange: false },
      yaxis2: { domain: [0, 0.18], showticklabels: false, showgrid: false },
      hovermode: "x unified",
      paper_bgcolor: "#fff",
      plot_bgcolor: "#fff",
    };
    addModelMarkers(layout);
    if (state.range === "custom" && gd && gd.layout && gd.layout.xaxis) {
      layout.xaxis.range = gd.layout.xaxis.range;
      layout.yaxis.range = gd.layout.yaxis.range;
      return layout;
    }
    const range = visibleRange();
    if (range) {
      const [y, y2] = yRanges(range[0]);
      layout.xaxis.range = range;
      if (y) layout.yaxis.range = y;
      if (y2) layout.yaxis2.range = y2;
    }
    return layout;
  }

  // Promotions (green), refusals (orange) and naive refreshes (grey, which follow a refusal on
  // the same day, so labelled a line lower) as vertical lines on the price chart.
  function addModelMarkers(layout) {
    const events = timelineEvents();
    const colours = { refused: "#d9822b", refreshed: "#607d8b" }; // else promoted: green
    const colour = (v) => colours[v.decision] || "#2e7d32";
    layout.shapes = events.map((v) => ({
      type: "line", xref: "x", yref: "paper", x0: v.at, x1: v.at, y0: 0.22, y1: 1,
      line: { color: colour(v), width: 1, dash: "dot" },
    }));
    layout.annotations = events.map((v) => ({
      x: v.at, xref: "x", y: 1, yref: "paper", yanchor: "bottom", showarrow: false,
      yshift: v.decision === "refreshed" ? -14 : 0,
      text: `v${v.version} ${v.decision || "promoted"}`, font: { size: 10, color: colour(v) },
    }));
  }

  async function renderChart() {
    state.renderQueued = false;
    renderNext();
    const gd = $("chart");
    if (!state.bars.date.length || !window.Plotly) return;
    const pending = state.pendingLatency.splice(0);
    const first = !gd.data;
    await Plotly.react(gd, chartTraces(), chartLayout(gd), { responsive: true, displaylogo: false });
    if (first) {
      gd.on("plotly_relayout", (change) => {
        if (change["xaxis.range[0]"] || change["xaxis.range"]) {
          state.range = "custom";
          markRange();
        }
      });
    }
    requestAnimationFrame(() => {
      const now = performance.timeOrigin + performance.now();
      for (const storedAt of pending) tc.latencies.push(now - storedAt);
      if (tc.firstPaintMs === null) {
        tc.firstPaintMs = performance.now();
        document.body.dataset.painted = "1";
      }
    });
  }

  function renderNext() {
    const n = state.next;
    const el = $("next");
    if (!n || n.origin_date !== lastDate()) {
      el.textContent = "";
      return;
    }
    const f = (v) => (v == null ? "–" : v.toFixed(2));
    el.innerHTML =
      `Next close ${n.target_date}: <b>${f(n.point)}</b> · 80% ${f(n.lower_80)}–${f(n.upper_80)} ` +
      `· 95% ${f(n.lower_95)}–${f(n.upper_95)} <span class="muted">(${esc(n.model)} v${esc(n.version)})</span>`;
  }

  function markRange() {
    for (const button of document.querySelectorAll("[data-range]")) {
      button.classList.toggle("active", button.dataset.range === state.range);
    }
  }

  async function setRange(range) {
    state.range = range;
    markRange();
    if (range === "all" && !state.allLoaded) {
      try {
        await loadAllHistory();
      } catch (err) {
        showBanner(`Could not load the full history: ${err.message}`);
      }
    }
    scheduleRender();
  }

  // ------------------------------------------------------------------ panels
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const num = (v, digits = 2, suffix = "") => (v == null ? "–" : `${v.toFixed(digits)}${suffix}`);

  function renderAccuracy(report) {
    const table = $("accuracy");
    const windows = report.windows;
    if (!windows.some((w) => w.n > 0)) {
      table.innerHTML =
        `<tbody><tr><td class="empty" data-testid="accuracy-empty">No scored predictions yet` +
        `${report.end ? ` up to ${esc(report.end)}` : ""}: they appear as bars arrive.</td></tr></tbody>`;
      return;
    }
    const label = (w) => (w.window === "all" ? `all (${w.n})` : `last ${w.window}${w.n < +w.window ? ` (${w.n})` : ""}`);
    const head =
      `<thead><tr><th></th>${windows.map((w) => `<th colspan="2">${label(w)}</th>`).join("")}</tr>` +
      `<tr><th></th>${windows.map(() => "<th>model</th><th>naive</th>").join("")}</tr></thead>`;
    const rows = [
      ["mean difference", (s) => s.diff_pct.mean, 2, " %", null],
      ["median difference", (s) => s.diff_pct.median, 2, " %", null],
      ["max difference", (s) => s.diff_pct.max, 2, " %", null],
      ["min difference", (s) => s.diff_pct.min, 2, " %", null],
      ["MAE", (s) => s.mae, 2, "", "low"],
      ["MAPE", (s) => s.mape, 2, " %", "low"],
      ["direction hit rate", (s) => s.hit_rate, 1, " %", "high"],
      ["80% interval coverage", (s) => s.coverage_80, 1, " %", null],
      ["95% interval coverage", (s) => s.coverage_95, 1, " %", null],
    ];
    const body = rows
      .map(([name, get, digits, suffix, better]) => {
        const cells = windows
          .map((w) => {
            const m = get(w.model), v = get(w.naive);
            const wins = better && m != null && v != null && (better === "low" ? m < v : m > v);
            return `<td class="${wins ? "better" : ""}">${num(m, digits, suffix)}</td><td class="naive">${num(v, digits, suffix)}</td>`;
          })
          .join("");
        return `<tr><th scope="row">${name}</th>${cells}</tr>`;
      })
      .join("");
    const skill = windows
      .map((w) => `<td colspan="2">${w.skill == null ? "–" : `${(100 * w.skill).toFixed(1)} %`}</td>`)
      .join("");
    table.innerHTML = `${head}<tbody>${body}<tr><th scope="row">skill vs naive (1 − MAE/naive MAE)</th>${skill}</tr></tbody>`;
  }

  function stamp(iso) {
    return iso ? new Date(iso).toISOString().slice(0, 16).replace("T", " ") + " UTC" : null;
  }

  function renderUpdated(detail) {
    // "last updated" is when the provider was last asked, not the last bar's date
    const el = $("updated");
    const last = stamp(detail.last_update_at);
    let text = last
      ? `last updated ${last} from ${detail.provider}`
      : `last updated: never (${(detail.sources || []).join(", ") || "no data"})`;
    if (detail.last_update_status === "error") text += " — failed";
    const next = stamp(detail.next_update_at);
    if (next) text += ` · next ${next}`;
    el.textContent = text;
    el.title = detail.last_update_error || "";
  }

  function renderModel(model) {
    const el = $("model");
    if (model instanceof ApiError) {
      el.innerHTML =
        model.status === 404
          ? `<p class="warning" data-testid="no-model">No model is served for ${esc(state.ticker)}: the chart shows prices only. ` +
            `Train one with <code>tickercast train ${esc(state.ticker)} --model lightgbm --register</code>.</p>`
          : `<p class="warning">Model information unavailable: ${esc(model.message)}</p>`;
      return;
    }
    const skill = model.skill == null ? "–" : `${(100 * model.skill).toFixed(2)} %`;
    const rel = model.relative_mae == null ? "–" : model.relative_mae.toFixed(3);
    let warning = model.warning
      ? `<p class="warning" data-testid="fallback-warning">${esc(model.warning)}</p>`
      : "";
    if (model.serving_naive) {
      warning +=
        `<p class="warning" data-testid="naive-warning">Serving naive: no trained model beat ` +
        `“tomorrow = today” out of sample, so the forecast is the last close.</p>`;
    } else if (!model.beats_naive) {
      warning += `<p class="warning" data-testid="naive-warning">This model is not significantly better than naive in walk-forward validation.</p>`;
    }
    const pval = model.beats_naive_p_value == null ? "not tested" : `p = ${model.beats_naive_p_value.toFixed(3)}`;
    const verdict = model.beats_naive ? "yes" : "no";
    const cursor = isFeedTicker() && state.feed.kind === "replay" ? state.feed.cursor : null;
    if (cursor && model.trained_to && model.trained_to > cursor) {
      warning +=
        `<p class="warning" data-testid="in-sample-warning">Trained on data up to ${esc(model.trained_to)}, ` +
        `later than the replayed days: replayed forecasts are in-sample, so their accuracy flatters the model.</p>`;
    }
    el.innerHTML =
      `<dl class="facts"><dt>champion</dt><dd>${esc(model.model)} · version ${esc(model.version)}</dd>` +
      `<dt>trained on</dt><dd>${esc(model.trained_from || "?")} → ${esc(model.trained_to || "?")}</dd>` +
      `<dt>skill vs naive</dt><dd>${skill} <span class="muted">(walk-forward, relative MAE ${rel})</span></dd>` +
      `<dt>beats naive</dt><dd data-testid="beats-naive">${verdict} <span class="muted">(Diebold–Mariano ${pval}, α = ${model.alpha ?? 0.05})</span></dd>` +
      `<dt>loaded</dt><dd>${esc((model.loaded_at || "").slice(0, 19).replace("T", " "))} UTC</dd></dl>${warning}`;
  }

  function renderFeed() {
    const feed = state.feed;
    if (!feed) return;
    let text;
    const s = feed.state;
    if (feed.kind === "none" || s === "off") text = "live feed off";
    else if (s === "running" && feed.kind === "replay") text = `● replay ${feed.ticker} · ${feed.cursor || "…"} · ${feed.speed} bars/s`;
    else if (s === "running") text = `● polling ${feed.ticker} every ${feed.every_s} s · ${feed.cursor || "…"}`;
    else if (s === "finished") text = `feed stopped: replay finished at ${feed.cursor}`;
    else if (s === "stopped") text = "feed stopped";
    else if (s === "error") text = "feed stopped on an error";
    else if (s === "retrying") text = `feed paused at ${feed.cursor || "…"}: retry ${feed.retry ? feed.retry.attempt : ""} in ${feed.retry ? feed.retry.delay_s : "?"} s`;
    else text = `feed ${s}`;
    if (feed.ticker && state.ticker && feed.ticker !== state.ticker && feed.kind !== "none") {
      text += ` (live feed follows ${feed.ticker})`;
    }
    const title = [feed.detail, feed.model_note, feed.last_error].filter(Boolean).join(" · ");
    setFeedBadge(s, text, title);
  }

  function setFeedBadge(stateName, text, title = "") {
    const badge = $("feed");
    badge.dataset.state = stateName;
    badge.textContent = text;
    badge.title = title;
  }

  function fillPicker(names) {
    const select = $("ticker");
    select.innerHTML = names.map((n) => `<option${n === state.ticker ? " selected" : ""}>${esc(n)}</option>`).join("");
  }

  function showEmpty(html) {
    $("empty").innerHTML = html;
    $("empty").hidden = false;
    $("chart").hidden = true;
  }

  function showBanner(text) {
    $("banner").textContent = text;
    $("banner").hidden = false;
  }

  function hideBanner() {
    $("banner").hidden = true;
  }

  function setBodyState(name) {
    document.body.dataset.state = name;
  }

  function unreachable(err) {
    const what = err.status ? `the service answered ${err.status}: ${err.message}` : "the service is unreachable";
    showBanner(`Cannot load data (${what}). Retrying every ${RETRY_MS / 1000} s…`);
    setBodyState("unreachable");
    setFeedBadge("disconnected", "service unreachable");
    if (state.retryTimer) return;
    state.retryTimer = setTimeout(() => {
      state.retryTimer = null;
      start();
    }, RETRY_MS);
  }

  // ------------------------------------------------------------------ wiring
  plotlyReady.then(() => {
    scheduleRender();
    for (const button of document.querySelectorAll("[data-range]")) {
      button.addEventListener("click", () => setRange(button.dataset.range));
    }
    $("ticker").addEventListener("change", (event) => {
      state.ticker = event.target.value;
      state.range = state.range === "custom" ? "6M" : state.range;
      markRange();
      const url = new URL(location.href);
      url.searchParams.set("ticker", state.ticker);
      history.replaceState(null, "", url);
      Plotly.purge($("chart"));
      loadTicker();
    });
    window.addEventListener("resize", scheduleRender);
  });
  start();
})();
