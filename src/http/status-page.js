// GET /status's script: runs in the browser, not in Bun (src/http/status.ts inlines it after
// status-page-lib.js, allowed by its hash). Polls /v1/stats once a second. Rates are counter deltas between two polls over the
// server's own clock (`at`); latency and flush-size percentiles come from histogram bucket deltas
// over the last PCT_WINDOW polls, so they describe now, not the process's whole life. A figure this
// process does not have (ROLE=sink has no validators) shows "—"; data-value holds the raw number.
(() => {
  "use strict";
  const { DASH, HISTORY, $, el, fmt, figure, quantile, histDelta, spark } = statusLib;
  const POLL_MS = 1000;
  const PCT_WINDOW = 10; // polls the percentiles span ("last 10 s")
  const KEY_STORE = "tickgate.apiKey";

  const samples = []; // the last PCT_WINDOW + 1 answers of /v1/stats
  const history = { in: [], accepted: [], rejected: [], flagged: [], ack: [] };
  // Unknown (the first poll has no rate yet) is left out, not drawn as a drop to 0.
  const remember = (name, v) => {
    if (v === null || !Number.isFinite(v)) return;
    const h = history[name];
    h.push(v);
    if (h.length > HISTORY) h.shift();
  };

  // A counter may only grow; if one went back, this is a new tickgate process: start afresh.
  function restarted(prev, s) {
    if (s.at <= prev.at) return true;
    if (s.ticks && prev.ticks && s.ticks.accepted < prev.ticks.accepted) return true;
    return !!(s.sink && prev.sink && s.sink.written < prev.sink.written);
  }

  function render(s) {
    const last = samples[samples.length - 1];
    if (last && restarted(last, s)) {
      samples.length = 0;
      for (const h of Object.values(history)) h.length = 0;
    }
    samples.push(s);
    if (samples.length > PCT_WINDOW + 1) samples.shift();
    const base = samples.length > 1 ? samples[samples.length - 2] : null; // rates: the last second
    const far = samples.length > 1 ? samples[0] : null; // percentiles: the last PCT_WINDOW seconds
    const dt = base ? (s.at - base.at) / 1000 : 0;
    const per = (now, then) => (base && dt > 0 && now != null && then != null ? Math.max(0, now - then) / dt : null);

    renderTicks(s, base, per);
    renderAck(s, base, far, per);
    renderCodes("codes-reject", "reject", s, base, per);
    renderCodes("codes-flag", "flag", s, base, per);
    renderWorkers(s, base, per);
    renderSink(s, base, far, per);
    renderProcess(s);

    const role = $("role");
    role.dataset.value = s.role;
    role.textContent = `role ${s.role}`;
    $("updated").textContent = new Date(s.at).toLocaleTimeString();
    setConn("live", "live");
    document.body.dataset.polls = String(Number(document.body.dataset.polls) + 1);
  }

  function renderTicks(s, base, per) {
    const t = s.ticks, b = base && base.ticks;
    const total = { in: t ? t.accepted + t.rejected : null, accepted: t && t.accepted, rejected: t && t.rejected, flagged: t && t.flagged };
    const before = b ? { in: b.accepted + b.rejected, accepted: b.accepted, rejected: b.rejected, flagged: b.flagged } : {};
    for (const kind of ["in", "accepted", "rejected", "flagged"]) {
      const r = t ? per(total[kind], before[kind]) : null;
      figure(`rate-${kind}`, r, fmt.rate);
      figure(`total-${kind}`, total[kind], fmt.int);
      remember(kind, r);
      spark(`spark-${kind}`, history[kind]);
    }
    figure("share-rejected", t && total.in > 0 ? t.rejected / total.in : null, fmt.pct);
    figure("share-flagged", t && total.in > 0 ? t.flagged / total.in : null, fmt.pct);
  }

  function renderAck(s, base, far, per) {
    const a = s.ack;
    const kafka = a && far && far.ack ? histDelta(a.kafka, far.ack.kafka) : null;
    const stored = a && far && far.ack ? histDelta(a.stored, far.ack.stored) : null;
    const p99 = quantile(0.99, kafka);
    figure("ack-p50", quantile(0.5, kafka), fmt.dur);
    figure("ack-p99", p99, fmt.dur);
    figure("ack-stored-p50", quantile(0.5, stored), fmt.dur);
    figure("ack-stored-p99", quantile(0.99, stored), fmt.dur);
    figure("ack-rate", a && base && base.ack ? per(a.kafka.count + a.stored.count, base.ack.kafka.count + base.ack.stored.count) : null, fmt.rate);
    if (kafka) remember("ack", p99 === null ? 0 : Math.min(p99, 10) * 1000); // ms; 0 = no answers in the window
    spark("spark-ack", history.ack);
  }

  const TOP = 6;
  function renderCodes(id, severity, s, base, per) {
    const list = $(id);
    const codes = (s.codes || []).filter((c) => c.severity === severity).slice(0, TOP);
    const before = new Map(((base && base.codes) || []).map((c) => [c.code, c.count]));
    if (codes.length === 0) {
      list.replaceChildren(el("li", "empty", s.codes ? "none so far" : DASH));
      return;
    }
    const max = codes[0].count;
    list.replaceChildren(...codes.map((c) => {
      const li = el("li");
      li.dataset.code = c.code;
      li.dataset.severity = c.severity;
      li.dataset.count = String(c.count);
      const meter = el("span", "meter");
      const bar = el("b");
      bar.style.width = `${Math.max(1, (100 * c.count) / max)}%`;
      meter.append(bar);
      const r = per(c.count, before.get(c.code) ?? 0);
      li.append(el("span", "code", c.code), el("span", "count", fmt.int(c.count)), el("span", "per", r === null ? DASH : `${fmt.rate(r)}/s`), meter);
      li.title = c.code;
      return li;
    }));
  }

  function renderWorkers(s, base, per) {
    const body = $("workers");
    const states = s.workerStates || [];
    if (states.length === 0) {
      const tr = el("tr", "empty");
      const td = el("td", "", `${DASH} no validator workers in this process (ROLE=${s.role})`);
      td.colSpan = 6;
      tr.append(td);
      body.replaceChildren(tr);
      return;
    }
    const ring = new Map((s.rings || []).map((r) => [r.worker, r]));
    const ticksOf = (stats, i) => {
      const w = (stats || []).find((x) => x && x.index === i);
      return w ? w.ticks : null;
    };
    body.replaceChildren(...states.map((w) => {
      const tr = el("tr");
      const r = ring.get(w.worker);
      tr.id = `worker-${w.worker}`;
      tr.dataset.worker = String(w.worker);
      tr.dataset.alive = String(w.alive);
      tr.dataset.kafka = w.kafka;
      tr.dataset.ringUsed = r ? String(r.used) : "";
      tr.dataset.ringCapacity = r ? String(r.capacity) : "";
      const state = !w.alive ? ["restarting", "bad"] : w.responsive ? ["running", "good"] : ["stalled", "bad"];
      const kafkaCls = w.kafka === "up" ? "good" : w.kafka === "down" ? "bad" : "warn";
      const ringTd = el("td", "ring");
      if (r) {
        const bar = el("span", "ringbar");
        const fill = el("b");
        fill.style.width = `${Math.min(100, (100 * r.used) / r.capacity)}%`;
        bar.append(fill);
        ringTd.append(bar, el("span", "", `${fmt.bytes(r.used)} / ${fmt.bytes(r.capacity)}`), el("span", "muted small", ` (${((100 * r.used) / r.capacity).toFixed(1)} %)`));
      } else ringTd.textContent = DASH;
      const now = ticksOf(s.workers, w.worker), then = base ? ticksOf(base.workers, w.worker) : null;
      const rate = now !== null && then !== null && now >= then ? per(now, then) : null;
      tr.append(
        el("td", "", String(w.worker)), el("td", state[1], state[0]), el("td", kafkaCls, w.kafka), ringTd,
        el("td", "num", rate === null ? DASH : fmt.rate(rate)), el("td", "num", String(w.restarts)),
      );
      return tr;
    }));
  }

  function renderSink(s, base, far, per) {
    const p = s.pipeline, k = s.sink, kb = base && base.sink;
    figure("sink-lag-records", p ? p.lag.records : k ? k.lag.total : null, fmt.int);
    figure("sink-lag-seconds", p && p.lagKnown ? p.lag.seconds : null, fmt.dur);
    const behind = $("sink-behind");
    behind.dataset.value = p ? String(p.behind) : "";
    behind.textContent = p ? (p.behind ? `yes: 503 pipeline.behind (over ${p.maxLagMs} ms)` : "no") : DASH;
    behind.className = p ? (p.behind ? "bad" : "good") : "";
    figure("sink-written", k ? k.written : null, fmt.int);
    figure("sink-written-rate", k && kb ? per(k.written, kb.written) : null, fmt.rate);
    const rows = k && far && far.sink ? histDelta(k.histograms.batchRows, far.sink.histograms.batchRows) : null;
    figure("sink-flush-mean", rows && rows.count > 0 ? rows.sum / rows.count : null, fmt.rows);
    figure("sink-flush-p50", quantile(0.5, rows), fmt.rows);
    figure("sink-flush-p99", quantile(0.99, rows), fmt.rows);
    figure("sink-flush-rate", k && kb ? per(k.histograms.batchRows.count, kb.histograms.batchRows.count) : null, fmt.rate);
    const lf = k && k.lastFlush;
    const last = $("sink-flush-last");
    last.dataset.value = lf ? String(lf.rows) : "";
    last.textContent = lf ? `${fmt.int(lf.rows)} rows · ${lf.reason} · ${fmt.dur(lf.totalMs / 1000)}` : DASH;
    const targets = $("sink-targets");
    if (k) {
      const names = Object.keys(k.targets);
      targets.dataset.value = names.map((n) => `${n}:${k.targets[n].up ? "up" : "down"}`).join(",");
      targets.replaceChildren(...names.map((n) => el("span", `pill ${k.targets[n].up ? "good" : "bad"}`, `${n} ${k.targets[n].up ? "up" : "down"}`)));
    } else {
      targets.dataset.value = "";
      targets.textContent = DASH;
    }
    figure("sink-restarts", k && typeof k.restarts === "number" ? k.restarts : null, fmt.int);
  }

  function renderProcess(s) {
    const pool = (s.workerStates || []).length > 0;
    figure("worker-restarts", pool ? s.workerRestarts : null, fmt.int);
    figure("http-inflight", s.httpRequestsInProgress, fmt.int);
    figure("pool-inflight", pool ? s.inflightRequests : null, fmt.int);
    figure("stored-waiting", s.pipeline ? s.pipeline.storedAckWaiting : null, fmt.int);
    figure("websockets", s.openWebSockets, fmt.int);
    figure("ndjson-streams", s.ndjsonStreams, fmt.int);
    figure("body-bytes", s.bodyBytesHeld, fmt.bytes);
  }

  function setConn(state, text) {
    $("conn").dataset.state = state;
    $("conn-text").textContent = text;
    document.body.dataset.state = state;
  }

  // ------------------------------------------------------------------ polling and the API key

  let key = sessionStorage.getItem(KEY_STORE) || "";
  let timer = 0;

  function askKey(message) {
    $("key-panel").hidden = false;
    $("key-error").textContent = message;
    setConn("key", "API key needed");
    $("key-input").focus();
  }

  /** One poll; false when polling should wait (for a key). Network trouble is shown, not thrown. */
  async function poll() {
    let res;
    try {
      res = await fetch("/v1/stats", { headers: key ? { "x-api-key": key } : {}, cache: "no-store", signal: AbortSignal.timeout(3000) });
    } catch {
      setConn("down", "unreachable");
      return true;
    }
    if (res.status === 401) {
      const refused = key !== "";
      key = "";
      sessionStorage.removeItem(KEY_STORE);
      askKey(refused ? "That key was refused." : "");
      return false;
    }
    if (!res.ok) {
      setConn("down", `HTTP ${res.status}`);
      return true;
    }
    render(await res.json());
    return true;
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(run, ms);
  }
  async function run() {
    let again = true;
    // A render bug still surfaces (as an unhandled rejection); the page keeps polling anyway.
    try {
      again = await poll();
    } finally {
      if (again) schedule(POLL_MS);
    }
  }

  $("key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const k = $("key-input").value.trim();
    if (!k) return;
    key = k;
    sessionStorage.setItem(KEY_STORE, k);
    $("key-input").value = "";
    $("key-panel").hidden = true;
    setConn("starting", "connecting…");
    schedule(0);
  });

  window.tickgateStatus = { quantile };
  schedule(0);
})();
