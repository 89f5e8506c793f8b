// GET /status: a live page for people, and the figures it adds to GET /v1/stats.
// The page (status-page.html, .css, -lib.js, .js) is one self-contained document: its style and script are
// inlined at start and allowed by their SHA-256 in the Content-Security-Policy, so it loads nothing
// from anywhere and runs nothing it was not shipped with. It holds no data, so it is served without
// an API key (a browser cannot send a header on navigation); its script asks for the key when
// /v1/stats answers 401 and sends it as x-api-key.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { CHECKS } from "../checks/index.ts";
import type { WorkerStats } from "../ingest/validator-protocol.ts";
import type { Counter, Histogram } from "../metrics.ts";

const asset = (name: string) => readFileSync(new URL(name, import.meta.url), "utf8");

/** The document with its style and script inlined, and the CSP that allows exactly those two. */
function buildPage() {
  const css = asset("./status-page.css");
  // One script: the helpers first (they define the global statusLib), then the page's loop.
  const js = `${asset("./status-page-lib.js")}\n${asset("./status-page.js")}`;
  const sha = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
  // Replacer functions: a replacement string would read `$&`, `$'` … in the script as patterns.
  const html = asset("./status-page.html")
    .replace("<style></style>", () => `<style>${css}</style>`)
    .replace("<script></script>", () => `<script>${js}</script>`);
  const csp = [
    "default-src 'self'",
    `script-src ${sha(js)}`,
    `style-src ${sha(css)}`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  return { html, csp };
}

// Built at load: a missing or broken asset stops the process at start, not every GET /status.
const page = buildPage();

/** The page's answer: never cached (a new release brings a new script and a new CSP with it). */
export function statusPage(): Response {
  return new Response(page.html, {
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "content-security-policy": page.csp,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    },
  });
}

/** The routes tickgate_request_ack_seconds observes, summed per ack level for the page. */
const ACK_ROUTES = ["/v1/ticks", "/v1/stream"];
const ACK_LEVELS = ["kafka", "stored"] as const;

export interface StatusCounters {
  /** tickgate_ticks_total, by outcome */
  ticks: Counter;
  /** tickgate_request_ack_seconds, by route and ack */
  ackLatency: Histogram;
}

/** A check id (or record.refused) with the ticks it fired on, summed over the live workers. */
export interface CodeCount {
  code: string;
  severity: string;
  count: number;
}

/**
 * What GET /v1/stats adds for the page (null where this process has no validator pool, ROLE=sink):
 *   at     ms since the epoch when the figures were read (rates are deltas over it)
 *   ticks  answered ticks since start by outcome; flagged ones are also in accepted
 *   ack    the ack latency histogram per ack level, over every ingest route, cumulative
 *   codes  per code, the ticks it fired on, most first (workers' counts: they restart with a worker)
 */
export function statusStats(counters: StatusCounters, workers: (WorkerStats | null)[] | null) {
  if (!workers) return { at: Date.now(), ticks: null, ack: null, codes: null };
  const { ticks, ackLatency } = counters;
  return {
    at: Date.now(),
    ticks: {
      accepted: ticks.get({ outcome: "accepted" }),
      rejected: ticks.get({ outcome: "rejected" }),
      flagged: ticks.get({ outcome: "flagged" }),
    },
    ack: Object.fromEntries(ACK_LEVELS.map((ack) => [ack, ackLatency.summary(...ACK_ROUTES.map((route) => ({ route, ack })))])),
    codes: codeCounts(workers),
  };
}

/**
 * Codes that fired at least once, with the severity of the running config (the checks config may
 * change a check's default; record.refused is no check and rejects). A code whose severity a reload
 * changed is listed under its severity now.
 */
export function codeCounts(workers: (WorkerStats | null)[]): CodeCount[] {
  const total = new Map<string, number>();
  const severity = new Map<string, "reject" | "flag">();
  for (const w of workers) {
    if (!w) continue;
    for (const [code, n] of Object.entries(w.byCheck)) {
      if (n <= 0) continue;
      total.set(code, (total.get(code) ?? 0) + n);
      severity.set(code, severityOf(w, code));
    }
  }
  return [...total]
    .map(([code, count]) => ({ code, severity: severity.get(code)!, count }))
    .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}

/** What a fired code means in a worker's running config; a check turned off since it fired counts as what it did: its default. */
export function severityOf(w: WorkerStats, code: string): "reject" | "flag" {
  const now = w.severity[code];
  if (now === "reject" || now === "flag") return now;
  return DEFAULT_SEVERITY.get(code) ?? "reject";
}

const DEFAULT_SEVERITY = new Map(CHECKS.map((c) => [c.id, c.severity]));
