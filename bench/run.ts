// `bun run bench`: every stage of the pipeline, one mitata file each, in the order a tick meets
// them. Writes bench/results/latest.json and bench/results/latest.md (with CPU and runtime).
//   bun run bench                 all stages
//   bun run bench -- ring kafka   only stages whose name contains one of the words
import { cpus } from "node:os";
import { mkdirSync, writeFileSync } from "node:fs";
import { markdown, type StageResult } from "./lib/report.ts";

const STAGES: [string, () => Promise<{ main: () => Promise<StageResult> }>][] = [
  ["decode", () => import("./decode.bench.ts")],
  ["enqueue", () => import("./enqueue.bench.ts")],
  ["ring", () => import("./ring.bench.ts")],
  ["checks", () => import("./checks.bench.ts")],
  ["encode", () => import("./encode.bench.ts")],
  ["kafka", () => import("./kafka.bench.ts")],
  ["sink", () => import("./sink.bench.ts")],
];

const only = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const chosen = STAGES.filter(([name]) => only.length === 0 || only.some((w) => name.includes(w)));
const results: StageResult[] = [];
const started = Date.now();

for (const [i, [name, load]] of chosen.entries()) {
  console.log(`\n[${i + 1}/${chosen.length}] ${name}`);
  try {
    results.push(await (await load()).main());
  } catch (err) {
    console.error(`stage ${name} failed: ${(err as Error)?.stack ?? err}`);
    results.push({ stage: name, rows: [], skipped: `failed: ${(err as Error)?.message ?? err}` });
  }
}

const git = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"]).stdout.toString().trim();
const env = {
  date: new Date().toISOString(),
  commit: git || null,
  runtime: `bun ${Bun.version}`,
  cpu: cpus()[0]?.model ?? "unknown",
  vcpus: cpus().length,
  platform: `${process.platform}-${process.arch}`,
  seconds: Math.round((Date.now() - started) / 1000),
};
const dir = new URL("./results/", import.meta.url).pathname;
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}latest.json`, JSON.stringify({ env, results: results.map(({ context, ...r }) => r) }, null, 2));
const md = markdown(results, `Benchmarks, ${env.date} — ${env.runtime}, ${env.cpu} × ${env.vcpus}, ${env.platform}, commit ${env.commit}`);
writeFileSync(`${dir}latest.md`, md);
console.log(`\n${md}\nwrote bench/results/latest.json and bench/results/latest.md (${env.seconds} s)`);
