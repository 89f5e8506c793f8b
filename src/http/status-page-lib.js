// GET /status's helpers: formatting, figures, percentiles from histogram buckets, sparklines. Runs
// in the browser (src/http/status.ts inlines it before status-page.js, in one script, allowed by
// its hash); it defines one global, statusLib.
const statusLib = (() => {
  "use strict";
  const DASH = "—";
  const HISTORY = 60; // sparkline points: the last minute
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  const nf0 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  const nf1 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
  const fmt = {
    int: (v) => nf0.format(v),
    rate: (v) => (v >= 100 ? nf0.format(v) : nf1.format(v)),
    pct: (v) => `${(v * 100).toFixed(v < 0.1 ? 2 : 1)} %`,
    rows: (v) => (v >= 100 ? nf0.format(v) : nf1.format(v)),
    bytes: (v) => (v < 1024 ? `${v} B` : v < 1048576 ? `${(v / 1024).toFixed(1)} KiB` : `${(v / 1048576).toFixed(1)} MiB`),
    // Seconds in, a readable duration out; Infinity = above the histogram's highest bound.
    dur: (v) => {
      if (!Number.isFinite(v)) return "> 10 s";
      const ms = v * 1000;
      if (ms < 1) return `${ms.toFixed(2)} ms`;
      if (ms < 10) return `${ms.toFixed(1)} ms`;
      if (ms < 1000) return `${ms.toFixed(0)} ms`;
      return `${v.toFixed(2)} s`;
    },
  };

  /** Sets a figure's text and its raw value (data-value, "" when unknown). */
  function figure(id, value, format) {
    const e = $(id);
    const known = value !== null && value !== undefined && !Number.isNaN(value);
    e.dataset.value = known ? String(value) : "";
    e.textContent = known ? format(value) : DASH;
  }

  /**
   * The q-quantile of a histogram of cumulative bucket counts, interpolated linearly inside its
   * bucket as Prometheus's histogram_quantile does; null without observations, Infinity when it
   * lies above the highest finite bound.
   */
  function quantile(q, h) {
    if (!h || !(h.count > 0)) return null;
    const rank = q * h.count;
    let below = 0;
    let lower = 0;
    for (let i = 0; i < h.buckets.length; i++) {
      if (h.counts[i] >= rank) {
        const inside = h.counts[i] - below;
        return inside > 0 ? lower + ((h.buckets[i] - lower) * (rank - below)) / inside : h.buckets[i];
      }
      below = h.counts[i];
      lower = h.buckets[i];
    }
    return Infinity;
  }

  /** Observations between two cumulative snapshots of one histogram. */
  const histDelta = (now, then) =>
    now && then ? { buckets: now.buckets, counts: now.counts.map((n, i) => n - (then.counts[i] || 0)), sum: now.sum - then.sum, count: now.count - then.count } : null;

  function spark(id, values) {
    const svg = $(id);
    const [area, line] = svg.querySelectorAll("path");
    if (values.length < 2) {
      area.setAttribute("d", "");
      line.setAttribute("d", "");
      return;
    }
    const W = 120, H = 28, step = W / (HISTORY - 1);
    const max = Math.max(...values) || 1;
    const x0 = W - (values.length - 1) * step;
    const pts = values.map((v, i) => `${(x0 + i * step).toFixed(1)},${(H - 1 - (v / max) * (H - 3)).toFixed(1)}`);
    line.setAttribute("d", `M${pts.join("L")}`);
    area.setAttribute("d", `M${x0.toFixed(1)},${H}L${pts.join("L")}L${W},${H}Z`);
  }

  return { DASH, HISTORY, $, el, fmt, figure, quantile, histDelta, spark };
})();
