// deploy/: the alert rules pass promtool (syntax and their own unit tests, which must cover every
// alert), Prometheus's config loads them, and every metric the rules and the dashboard read is one a
// live tickgate (ROLE=all, scraped the way prometheus.yml scrapes it) exposes. docs/monitoring.md.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lagBoundMetrics, readinessMetrics } from "../../src/http/health-metrics.ts";
import { loadConfig } from "../../src/config.ts";
import { startTickgate, type Running } from "../helpers/tickgate.ts";
import { exposedNames, metricNames, unknownNames } from "./promql-names.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const PROMTOOL = join(ROOT, ".tools/prometheus/usr/bin/promtool");
const RULES = join(ROOT, "deploy/prometheus/alerts.yml");
const RULE_TESTS = join(ROOT, "deploy/prometheus/alerts.test.yml");
const PROMETHEUS = join(ROOT, "deploy/prometheus/prometheus.yml");
const DASHBOARD = join(ROOT, "deploy/grafana/tickgate.json");

const rules = Bun.YAML.parse(await Bun.file(RULES).text()) as { groups: { name: string; rules: any[] }[] };
const allRules = rules.groups.flatMap((g) => g.rules);
const alerts = allRules.filter((r) => r.alert);
const recorded = new Set(allRules.filter((r) => r.record).map((r) => r.record as string));
const dashboard = await Bun.file(DASHBOARD).json();
const prometheus = Bun.YAML.parse(await Bun.file(PROMETHEUS).text()) as any;

function promtool(...args: string[]) {
  if (!existsSync(PROMTOOL)) throw new Error(`promtool is missing at ${PROMTOOL}: run \`bash scripts/test-tools.sh\` (scripts/test.sh does)`);
  const r = Bun.spawnSync([PROMTOOL, ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  return { ok: r.exitCode === 0, out: r.stdout.toString() + r.stderr.toString() };
}

async function promtoolAsync(...args: string[]) {
  if (!existsSync(PROMTOOL)) throw new Error(`promtool is missing at ${PROMTOOL}: run \`bash scripts/test-tools.sh\` (scripts/test.sh does)`);
  const p = Bun.spawn([PROMTOOL, ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { ok: code === 0, out: out + err };
}

/** Every PromQL expression of the dashboard: panel targets and query variables (label_values(<expr>, label)). */
function dashboardExprs(): string[] {
  const panels = (dashboard.panels as any[]).flatMap((p) => [p, ...(p.panels ?? [])]);
  const targets = panels.flatMap((p) => (p.targets ?? []).map((t: any) => t.expr as string));
  const variables = (dashboard.templating.list as any[])
    .filter((v) => v.type === "query")
    .map((v) => {
      const query = typeof v.query === "string" ? v.query : v.query.query;
      const m = /^label_values\((.+),\s*\w+\)$/.exec(query);
      if (!m) throw new Error(`variable ${v.name}: not a label_values(<expr>, <label>) query: ${query}`);
      return m[1]!;
    });
  return [...targets, ...variables];
}

describe("alert rules (promtool)", () => {
  test("promtool check rules accepts alerts.yml", () => {
    const r = promtool("check", "rules", RULES);
    expect(r.out).toContain("SUCCESS");
    expect(r.ok).toBe(true);
  });

  test("promtool test rules: alerts.test.yml passes", () => {
    const r = promtool("test", "rules", RULE_TESTS);
    expect(r.out).toContain("SUCCESS");
    expect(r.ok).toBe(true);
  });

  test("promtool check config accepts prometheus.yml and finds the rule file beside it", () => {
    const r = promtool("check", "config", PROMETHEUS);
    expect(r.out).toContain("1 rule files found");
    expect(r.ok).toBe(true);
  });

  test("every alert has a unit test that sees it fire: with its expression made never true, the tests fail naming it", async () => {
    expect(alerts.length).toBeGreaterThanOrEqual(15);
    const dir = mkdtempSync(join(tmpdir(), "tickgate-alerts-"));
    try {
      // One directory per alert: its own alerts.yml beside the tests that expect it to fire (rule_files is relative).
      const ruleTests = Bun.YAML.parse(await Bun.file(RULE_TESTS).text()) as any;
      const runs = alerts.map((alert, i) => {
        const sub = join(dir, String(i));
        mkdirSync(sub);
        const firing = ruleTests.tests.filter((t: any) => (t.alert_rule_test ?? []).some((a: any) => a.alertname === alert.alert && a.exp_alerts?.length));
        writeFileSync(join(sub, "alerts.test.yml"), JSON.stringify({ ...ruleTests, tests: firing }));
        const mutated = { groups: rules.groups.map((g) => ({ ...g, rules: g.rules.map((r) => (r === alert ? { ...r, expr: "vector(0) > 1" } : r)) })) };
        writeFileSync(join(sub, "alerts.yml"), JSON.stringify(mutated)); // JSON is YAML
        return { alert: alert.alert as string, tests: join(sub, "alerts.test.yml") };
      });
      const silent: string[] = [];
      const queue = [...runs];
      const runner = async () => {
        for (let run = queue.shift(); run; run = queue.shift()) {
          const r = await promtoolAsync("test", "rules", run.tests);
          if (r.ok || !r.out.includes(`alertname: ${run.alert},`)) silent.push(run.alert);
        }
      };
      await Promise.all(Array.from({ length: Math.max(2, navigator.hardwareConcurrency) }, runner));
      expect(silent.sort()).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test("every alert has a severity and summary, description and runbook annotations", () => {
    for (const a of alerts) {
      expect(["critical", "warning"], a.alert).toContain(a.labels?.severity);
      for (const k of ["summary", "description", "runbook"]) expect(String(a.annotations?.[k] ?? "").length, `${a.alert} ${k}`).toBeGreaterThan(10);
    }
    expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
  });
});

describe("health metrics (the gauges the rules compare against)", () => {
  const fakeProbes = (ready: boolean, checks: Record<string, { ok: boolean }>) => ({ readiness: async () => ({ ready, checks }), close: async () => {} });

  test("tickgate_ready and tickgate_ready_part follow the readiness report", async () => {
    const down = await readinessMetrics(fakeProbes(false, { kafka: { ok: false }, workers: { ok: true } }));
    expect(down).toContain("\ntickgate_ready 0\n");
    expect(down).toContain('tickgate_ready_part{part="kafka"} 0');
    expect(down).toContain('tickgate_ready_part{part="workers"} 1');
    expect(await readinessMetrics(fakeProbes(true, { kafka: { ok: true } }))).toContain("\ntickgate_ready 1\n");
  });

  test("tickgate_pipeline_max_lag_seconds is SINK_MAX_LAG_MS in seconds, 0 when off", () => {
    expect(lagBoundMetrics(loadConfig({ SINK_MAX_LAG_MS: "2500", SINK_GROUP: "g" }))).toContain('tickgate_pipeline_max_lag_seconds{group="g"} 2.5');
    expect(lagBoundMetrics(loadConfig({ SINK_MAX_LAG_MS: "0", SINK_GROUP: "g" }))).toContain('tickgate_pipeline_max_lag_seconds{group="g"} 0');
  });
});

describe("the rules and the dashboard read only what GET /metrics exposes (live, ROLE=all)", () => {
  const job = prometheus.scrape_configs.find((j: any) => j.job_name === "tickgate");
  let tg: Running;
  let text = "";
  beforeAll(async () => {
    // Behind the same key prometheus.yml sends (compose.yaml's example key), so the scrape is Prometheus's.
    tg = await startTickgate({ ROLE: "all", WORKERS: "2", API_KEYS: job.authorization.credentials, SINK_MAX_LAG_MS: "3000" });
    const headers = { "content-type": "application/json", authorization: `${job.authorization.type} ${job.authorization.credentials}` };
    const now = Date.now();
    const trade = (tradeId: number) => ({ type: "trade", exchange: "binance", symbol: "BTC/USDT", ts: now + tradeId, price: 97000.5, size: 0.01, side: "buy", tradeId });
    const quote = (bid: number, ask: number) => ({ type: "quote", exchange: "binance", symbol: "ETH/USDT", ts: now, bid, bidSize: 1, ask, askSize: 2 });
    // accepted, rejected (crossed), flagged (locked) — then one ?ack=stored, so the sink has written a batch.
    const first = await fetch(`${tg.url}/v1/ticks`, { method: "POST", headers, body: JSON.stringify([trade(1), quote(3001, 3000), quote(3000, 3000)]) });
    expect(await first.json()).toMatchObject({ accepted: 2, rejected: 1, flagged: 1 });
    const stored = await fetch(`${tg.url}/v1/ticks?ack=stored`, { method: "POST", headers, body: JSON.stringify([trade(2)]) });
    expect(stored.status).toBe(200);
    const res = await fetch(`${tg.url}${job.metrics_path}`, { headers: { authorization: headers.authorization } });
    expect(res.status).toBe(200);
    text = await res.text();
  });
  afterAll(async () => {
    await tg?.stop();
  });

  test("without the key /metrics answers 401 (so prometheus.yml's key is needed)", async () => {
    expect((await fetch(`${tg.url}/metrics`)).status).toBe(401);
  });

  test("the scrape has the labelled series the rules and panels select, and the new gauges", () => {
    const has = (line: RegExp) => text.split("\n").some((l) => line.test(l));
    for (const outcome of ["accepted", "rejected", "flagged"]) expect(has(new RegExp(`^tickgate_ticks_total\\{outcome="${outcome}"\\} [1-9]`)), outcome).toBe(true);
    expect(has(/^tickgate_request_ack_seconds_count\{route="\/v1\/ticks",ack="stored"\} 1$/)).toBe(true);
    expect(has(/^tickgate_sink_batch_rows_count\{group="[^"]+"\} [1-9]/)).toBe(true);
    expect(has(/^tickgate_ready 1$/)).toBe(true);
    for (const part of ["kafka", "redis", "postgres", "sink", "workers"]) expect(has(new RegExp(`^tickgate_ready_part\\{part="${part}"\\} 1$`)), part).toBe(true);
    expect(has(/^tickgate_pipeline_max_lag_seconds\{group="[^"]+"\} 3$/)).toBe(true);
  });

  test("every metric of alerts.yml is exposed (or recorded in the file, or Prometheus's `up`)", () => {
    const exposed = exposedNames(text);
    expect(exposed.size).toBeGreaterThan(40);
    const used = allRules.flatMap((r) => metricNames(r.expr));
    expect(new Set(used).size).toBeGreaterThanOrEqual(18);
    expect(unknownNames(used, exposed, new Set([...recorded, "up"]))).toEqual([]);
    // The recorded series are used, and come from exposed ones.
    for (const name of recorded) expect(used).toContain(name);
  });

  test("every metric family /metrics exposes is in docs/api.md's metrics table", () => {
    const api = readFileSync(join(ROOT, "docs/api.md"), "utf8");
    const families = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);
    expect(families.length).toBeGreaterThan(30);
    expect(families.filter((name) => !new RegExp(`^\\| \`${name}\` \\|`, "m").test(api))).toEqual([]);
  });

  test("every metric of the dashboard is exposed (or Prometheus's ALERTS)", () => {
    const exprs = dashboardExprs();
    expect(exprs.length).toBeGreaterThan(40);
    const used = exprs.flatMap(metricNames);
    expect(new Set(used).size).toBeGreaterThanOrEqual(30);
    expect(unknownNames(used, exposedNames(text), new Set(["ALERTS"]))).toEqual([]);
  });
});
