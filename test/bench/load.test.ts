// Smoke test of the load tool (bench/load.ts): ~3 s at a low rate against a tickgate it starts
// itself (ROLE=all: Kafka, Redis, PostgreSQL), then the JSON result must show a balanced loss
// account, end-to-end samples seen in Redis and PostgreSQL, and the chart and summary written.
import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = new URL("../../", import.meta.url).pathname;

test("load tool: 3 s steady run against its own tickgate balances", async () => {
  const out = mkdtempSync(join(tmpdir(), "tickgate-load-"));
  try {
    const proc = Bun.spawn(
      [process.execPath, "bench/load.ts", "--scenario", "steady", "--rate", "2000", "--batch", "100", "--connections", "2",
        "--duration", "3", "--warmup", "0", "--sample", "50", "--e2e-wait", "15", "--progress", "false", "--out", out],
      { cwd: ROOT, stdout: "pipe", stderr: "pipe" },
    );
    const [code, stdout, stderr] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    if (code !== 0) console.error(stdout, stderr);
    expect(code).toBe(0);

    const files = readdirSync(out);
    const json = files.find((f) => /^load-steady-.*\.json$/.test(f));
    expect(json).toBeDefined();
    expect(files.some((f) => /^load-steady-.*\.svg$/.test(f))).toBe(true);
    expect(existsSync(join(out, "load-steady.md"))).toBe(true);
    expect(readFileSync(join(out, files.find((f) => f.endsWith(".svg"))!), "utf8")).toStartWith("<svg");

    const result = JSON.parse(readFileSync(join(out, json!), "utf8"));
    const run = result.runs[0];
    const a = run.account;
    expect(a.problems).toEqual([]);
    expect(a.balanced).toBe(true);
    expect(a.sent).toBeGreaterThan(4000);
    expect(a.accepted + a.rejected).toBe(a.sent);
    expect(a.rejected).toBeGreaterThanOrEqual(a.generatedBad);
    expect(a.generatedBad).toBeGreaterThan(0);
    expect(a.kafkaValid).toBe(a.accepted);
    expect(a.kafkaRejected).toBe(a.rejected);
    expect(a.redis).toBe(a.accepted);
    expect(a.pg).toBe(a.accepted);
    // End-to-end samples were found in both stores.
    expect(run.e2e.redis.n).toBeGreaterThan(10);
    expect(run.e2e.redis.missing).toBe(0);
    expect(run.e2e.pg.n).toBeGreaterThan(10);
    expect(run.e2e.pg.missing).toBe(0);
    expect(run.steps[0].ack.p50).toBeGreaterThan(0);
    expect(run.steps[0].timeline.length).toBeGreaterThanOrEqual(3);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 60_000);
