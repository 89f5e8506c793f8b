// GET /status in a real headless Chromium (bench/lib/cdp.ts), against a real tickgate under load:
// the page shows live, growing figures from /v1/stats, throws nothing, logs no error and loads
// nothing from outside its origin; with API_KEYS it asks for the key; in ROLE=sink it shows what
// exists and "—" for the rest. Chromium missing fails the run (scripts/test-tools.sh installs it).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { launchChromium, type Browser, type Page } from "../../bench/lib/cdp.ts";
import { startTickgate, type Running } from "../helpers/tickgate.ts";

const LONG = 60_000;

/** Posts batches in a loop until stopped: accepted trades, crossed quotes (reject) and locked quotes (flag). */
function feed(url: string, headers: Record<string, string> = {}) {
  let running = true;
  let tradeId = 1;
  const statuses = new Map<number, number>();
  const loop = (async () => {
    while (running) {
      const ts = Date.now();
      const ticks: object[] = [];
      for (let i = 0; i < 30; i++) {
        ticks.push({ type: "trade", exchange: "statusx", symbol: `S${i % 8}-USDT`, ts, price: 100, size: 1, side: "buy", tradeId: tradeId++ });
      }
      for (let i = 0; i < 2; i++) {
        ticks.push({ type: "quote", exchange: "statusx", symbol: `S${i}-USDT`, ts, bid: 101, bidSize: 1, ask: 100, askSize: 1 });
        ticks.push({ type: "quote", exchange: "statusx", symbol: `S${i + 2}-USDT`, ts, bid: 100, bidSize: 1, ask: 100, askSize: 1 });
      }
      try {
        const r = await fetch(`${url}/v1/ticks`, { method: "POST", body: JSON.stringify(ticks), headers: { "content-type": "application/json", ...headers } });
        await r.arrayBuffer();
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      } catch {}
      await Bun.sleep(25);
    }
  })();
  return {
    statuses,
    async stop() {
      running = false;
      await loop;
    },
  };
}

interface Figures {
  polls: number;
  state: string;
  role: string;
  figures: Record<string, { text: string; value: string }>;
  workers: { worker: number; alive: string; kafka: string; used: string; capacity: string; text: string }[];
  codes: { code: string; severity: string; count: number; list: string }[];
  lists: Record<string, string>;
}

/** Everything the page shows, from its ids and data attributes. */
const READ = `(() => ({
  polls: Number(document.body.dataset.polls),
  state: document.body.dataset.state,
  role: document.getElementById("role").dataset.value,
  figures: Object.fromEntries([...document.querySelectorAll("[id][data-value]")].map((e) => [e.id, { text: e.textContent.trim(), value: e.dataset.value }])),
  workers: [...document.querySelectorAll("#workers tr")].map((tr) => ({ worker: Number(tr.dataset.worker), alive: tr.dataset.alive, kafka: tr.dataset.kafka, used: tr.dataset.ringUsed, capacity: tr.dataset.ringCapacity, text: tr.textContent })),
  codes: [...document.querySelectorAll(".codes li[data-code]")].map((li) => ({ code: li.dataset.code, severity: li.dataset.severity, count: Number(li.dataset.count), list: li.parentElement.id })),
  lists: Object.fromEntries([...document.querySelectorAll(".codes")].map((l) => [l.id, l.textContent.trim()])),
}))()`;

const read = (page: Page) => page.evaluate<Figures>(READ);
const num = (f: Figures, id: string) => (f.figures[id]!.value === "" ? null : Number(f.figures[id]!.value));
const polls = (n: number) => `Number(document.body.dataset.polls) >= ${n}`;
const figure = (id: string) => `Number(document.getElementById(${JSON.stringify(id)}).dataset.value || 0)`;

/** Every request the page made went to its own origin (data: is no request; the icon is one). */
function offOrigin(page: Page, url: string) {
  return page.log.requests.filter((u) => !u.startsWith(`${url}/`) && !u.startsWith("data:"));
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 100_000);
afterAll(async () => {
  await browser?.close();
});

describe("GET /status, ROLE=all under load", () => {
  let tg: Running;
  let load: ReturnType<typeof feed>;
  beforeAll(async () => {
    // No lag bound: a slow box's sink must not turn the feed into 503s (the figures would stop).
    tg = await startTickgate({ ROLE: "all", WORKERS: "2", SINK_MAX_LAG_MS: "0" });
    load = feed(tg.url);
  }, LONG);
  afterAll(async () => {
    await load?.stop();
    await tg?.stop();
    // Every batch of the feed was taken, so the figures the tests read came from all of it.
    expect([...load.statuses.keys()]).toEqual([200]);
  }, LONG);

  test("one self-contained document: no-store, a CSP allowing exactly its one inline script and style by hash", async () => {
    const res = await fetch(`${tg.url}/status`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    const styles = [...html.matchAll(/<style\b([^>]*)>([\s\S]*?)<\/style>/g)];
    expect([scripts.length, styles.length]).toEqual([1, 1]);
    expect(scripts[0]![1]!.trim()).toBe(""); // no src=
    const sha = (t: string) => `'sha256-${createHash("sha256").update(t).digest("base64")}'`;
    const csp = Object.fromEntries(res.headers.get("content-security-policy")!.split(";").map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k!, v.join(" ")]));
    expect(csp["default-src"]).toBe("'self'");
    expect(csp["script-src"]).toBe(sha(scripts[0]![2]!));
    expect(csp["style-src"]).toBe(sha(styles[0]![2]!));
    expect(csp["connect-src"]).toBe("'self'");
    expect(html).not.toMatch(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(\s*["']?(?:https?:)?\/\//i);
  });

  test("GET /v1/stats adds at, ticks totals, the ack histogram per level and the fired codes", async () => {
    let s: any;
    const deadline = Date.now() + 20_000;
    do s = await (await fetch(`${tg.url}/v1/stats`)).json();
    while (!(s.ticks.flagged > 0 && s.codes.length >= 2) && Date.now() < deadline && (await Bun.sleep(100), true));
    expect(Math.abs(s.at - Date.now())).toBeLessThan(60_000);
    expect(s.ticks.accepted).toBeGreaterThan(0);
    expect(s.ticks.rejected).toBeGreaterThan(0);
    expect(s.ticks.flagged).toBeGreaterThan(0);
    expect(s.ticks.flagged).toBeLessThanOrEqual(s.ticks.accepted);
    for (const level of ["kafka", "stored"]) {
      expect(s.ack[level].counts).toHaveLength(s.ack[level].buckets.length);
    }
    expect(s.ack.kafka.count).toBeGreaterThan(0);
    expect(s.ack.kafka.counts.at(-1)).toBeLessThanOrEqual(s.ack.kafka.count);
    const byCode = Object.fromEntries(s.codes.map((c: any) => [c.code, c]));
    expect(byCode["quote.crossed"]).toMatchObject({ severity: "reject" });
    expect(byCode["quote.locked"]).toMatchObject({ severity: "flag" });
    const counts = s.codes.map((c: any) => c.count);
    expect(counts).toEqual([...counts].sort((a: number, b: number) => b - a));
    expect(counts.every((n: number) => n > 0)).toBe(true);
  });

  test("shows growing totals, rates > 0, ack p50/p99, codes, workers with ring use and Kafka up, the sink; no error, nothing off-origin", async () => {
    const page = await browser.newPage();
    try {
      await page.navigate(`${tg.url}/status`);
      const rates = ["rate-in", "rate-accepted", "rate-rejected", "rate-flagged"].map((id) => `${figure(id)} > 0`).join(" && ");
      await page.waitFor("every rate above 0 and a sink flush", `${polls(3)} && ${rates} && ${figure("sink-flush-mean")} > 0`);
      const a = await read(page);
      await page.waitFor("two more polls", polls(a.polls + 2));
      const b = await read(page);

      expect(b.role).toBe("all");
      expect(b.state).toBe("live");
      for (const kind of ["in", "accepted", "rejected", "flagged"]) {
        expect([kind, num(b, `total-${kind}`)! > num(a, `total-${kind}`)!]).toEqual([kind, true]);
        expect(b.figures[`total-${kind}`]!.text).toMatch(/^[\d,]+$/);
      }
      for (const id of ["rate-in", "rate-accepted", "rate-rejected", "rate-flagged"]) {
        expect([id, num(a, id)! > 0]).toEqual([id, true]);
        expect(a.figures[id]!.text).toMatch(/^[\d,.]+$/);
      }
      const p50 = num(b, "ack-p50")!, p99 = num(b, "ack-p99")!;
      expect(p50).toBeGreaterThan(0);
      expect(p99).toBeGreaterThanOrEqual(p50);
      expect(b.figures["ack-p50"]!.text).toMatch(/^[\d.]+ (ms|s)$/);

      const codes = (list: string) => b.codes.filter((c) => c.list === list);
      expect(codes("codes-reject").find((c) => c.code === "quote.crossed")).toMatchObject({ severity: "reject" });
      expect(codes("codes-flag").find((c) => c.code === "quote.locked")).toMatchObject({ severity: "flag" });
      expect(codes("codes-reject").every((c) => c.severity === "reject" && c.count > 0)).toBe(true);

      expect(b.workers.map((w) => [w.worker, w.alive, w.kafka])).toEqual([[0, "true", "up"], [1, "true", "up"]]);
      for (const w of b.workers) {
        expect(Number(w.capacity)).toBeGreaterThan(0);
        expect(Number(w.used)).toBeGreaterThanOrEqual(0);
        expect(w.text).toMatch(/\d+(\.\d)? (B|KiB|MiB) \/ \d+(\.\d)? MiB/);
      }
      expect(num(b, "worker-restarts")).toBe(0);

      expect(num(b, "sink-lag-records")).toBeGreaterThanOrEqual(0);
      expect(num(b, "sink-written")).toBeGreaterThan(num(a, "sink-written")!);
      expect(b.figures["sink-targets"]!.value).toBe("redis:up,pg:up,kafka:up");
      expect(["true", "false"]).toContain(b.figures["sink-behind"]!.value);
      expect(num(b, "sink-restarts")).toBe(0);

      expect(page.log.exceptions).toEqual([]);
      expect(page.log.errors).toEqual([]);
      expect(offOrigin(page, tg.url)).toEqual([]);
      expect(page.log.requests.filter((u) => u === `${tg.url}/v1/stats`).length).toBeGreaterThanOrEqual(b.polls);
    } finally {
      page.close();
    }
  }, LONG);

  test("the page's percentiles interpolate inside a bucket, and say when one lies above the top bound", async () => {
    const page = await browser.newPage();
    try {
      await page.navigate(`${tg.url}/status`);
      const q = (p: number, counts: number[], count: number) =>
        page.evaluate(`tickgateStatus.quantile(${p}, { buckets: [0.001, 0.002, 0.004], counts: ${JSON.stringify(counts)}, count: ${count}, sum: 0 })`);
      expect(await q(0.5, [0, 10, 10], 10)).toBeCloseTo(0.0015, 9);
      expect(await q(0.5, [4, 8, 10], 10)).toBeCloseTo(0.00125, 9);
      // Above the top bound: Infinity (compared in the page: it does not cross returnByValue as a value).
      expect(await page.evaluate(`tickgateStatus.quantile(0.99, { buckets: [0.001, 0.002, 0.004], counts: [5, 5, 9], count: 10 }) === Infinity`)).toBe(true);
      expect(await q(0.5, [0, 0, 0], 0)).toBeNull();
    } finally {
      page.close();
    }
  }, LONG);
});

describe("GET /status with API_KEYS", () => {
  let tg: Running;
  beforeAll(async () => {
    tg = await startTickgate({ API_KEYS: "status-key", WORKERS: "1" });
  }, LONG);
  afterAll(async () => {
    await tg?.stop();
  }, LONG);

  test("the page loads without a key, asks for one, says when a key is refused, and works once given", async () => {
    expect((await fetch(`${tg.url}/status`)).status).toBe(200);
    expect((await fetch(`${tg.url}/v1/stats`)).status).toBe(401);
    const page = await browser.newPage();
    const load = feed(tg.url, { "x-api-key": "status-key" });
    try {
      await page.navigate(`${tg.url}/status`);
      await page.waitFor("the key prompt", `!document.getElementById("key-panel").hidden`);
      const before = await read(page);
      expect([before.polls, before.state, before.figures["total-in"]!.text, before.role]).toEqual([0, "key", "—", ""]);

      const submit = (key: string) => page.evaluate(`document.getElementById("key-input").value = ${JSON.stringify(key)}; document.getElementById("key-form").requestSubmit()`);
      await submit("not-the-key");
      await page.waitFor("the refusal", `!document.getElementById("key-panel").hidden && document.getElementById("key-error").textContent.includes("refused")`);
      expect(await page.evaluate(`sessionStorage.getItem("tickgate.apiKey")`)).toBeNull();

      await submit("status-key");
      await page.waitFor("figures after the key", `${polls(2)} && ${figure("total-in")} > 0`);
      const after = await read(page);
      expect(after.role).toBe("ingest");
      expect(after.state).toBe("live");
      expect(await page.evaluate(`document.getElementById("key-panel").hidden`)).toBe(true);
      expect(await page.evaluate(`sessionStorage.getItem("tickgate.apiKey")`)).toBe("status-key");

      expect(page.log.exceptions).toEqual([]);
      // The two 401s of /v1/stats (no key, the wrong key) are the only errors Chromium logs.
      expect(page.log.errors.filter((e) => !(e.source === "network" && e.text.includes("401")))).toEqual([]);
      expect(page.log.errors.length).toBeLessThanOrEqual(2);
      expect(offOrigin(page, tg.url)).toEqual([]);
    } finally {
      await load.stop();
      page.close();
    }
  }, LONG);
});

describe("GET /status, ROLE=sink", () => {
  let tg: Running;
  beforeAll(async () => {
    tg = await startTickgate({ ROLE: "sink" });
  }, LONG);
  afterAll(async () => {
    await tg?.stop();
  }, LONG);

  test("shows the sink's figures and — for what a sink process does not have, without an error", async () => {
    const page = await browser.newPage();
    try {
      await page.navigate(`${tg.url}/status`);
      await page.waitFor("two polls", polls(2));
      const f = await read(page);
      expect(f.role).toBe("sink");
      expect(f.state).toBe("live");
      for (const id of ["rate-in", "total-in", "rate-accepted", "total-flagged", "ack-p50", "ack-p99", "worker-restarts", "pool-inflight", "sink-lag-seconds", "sink-behind"]) {
        expect([id, f.figures[id]!.text, f.figures[id]!.value]).toEqual([id, "—", ""]);
      }
      expect(f.lists).toEqual({ "codes-reject": "—", "codes-flag": "—" });
      expect(f.workers).toHaveLength(1);
      expect(f.workers[0]!.text).toContain("no validator workers");
      expect(num(f, "sink-lag-records")).toBeGreaterThanOrEqual(0);
      expect(num(f, "sink-written")).toBeGreaterThanOrEqual(0);
      expect(f.figures["sink-targets"]!.value).toBe("redis:up,pg:up,kafka:up");
      expect(page.log.exceptions).toEqual([]);
      expect(page.log.errors).toEqual([]);
      expect(offOrigin(page, tg.url)).toEqual([]);
    } finally {
      page.close();
    }
  }, LONG);
});

describe("codes are listed with the severity of the running checks config", () => {
  test("a flag check the config makes a reject is under rejects, in /v1/stats and in /metrics", async () => {
    const dir = mkdtempSync(`${tmpdir()}/tickgate-severity-`);
    const config = `${dir}/checks.json`;
    await Bun.write(config, JSON.stringify({ checks: { "quote.locked": "reject" } }));
    const tg = await startTickgate({ CHECKS_CONFIG: config });
    try {
      const ts = Date.now();
      const locked = { type: "quote", exchange: "statusx", symbol: "L-USDT", ts, bid: 100, bidSize: 1, ask: 100, askSize: 1 };
      const answer = await (await fetch(`${tg.url}/v1/ticks`, { method: "POST", body: JSON.stringify([locked]), headers: { "content-type": "application/json" } })).json();
      expect(answer).toMatchObject({ accepted: 0, rejected: 1, rejects: [{ index: 0, codes: ["quote.locked"] }] });
      const stats = (await (await fetch(`${tg.url}/v1/stats`)).json()) as { codes: { code: string; severity: string }[] };
      expect(stats.codes.find((c) => c.code === "quote.locked")).toMatchObject({ severity: "reject" });
      const metrics = await (await fetch(`${tg.url}/metrics`)).text();
      expect(metrics).toMatch(/^tickgate_check_fired_total\{check="quote\.locked",severity="reject"\} 1$/m);
    } finally {
      await tg.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, LONG);
});
