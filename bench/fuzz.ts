// tickgate's endpoint fuzzer: seeded, reproducible bodies (mutated JSON and MessagePack, NDJSON,
// WebSocket frames, odd content types, raw HTTP framing) thrown at a running tickgate through its
// real endpoint, each answer judged against the contract (bench/fuzz/oracle.ts). Starts tickgate
// itself unless --url; writes bench/results/fuzz-<timestamp>.{json,md}; exits 1 on any failure.
//   bun run fuzz -- --bodies 100000 --seed 1 [--url http://… --pid N] [--concurrency 8]
//   bun run fuzz -- --seed 1 --only 1234        replay one case, printing it and its answer
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, release, type } from "node:os";
import { join } from "node:path";
import { caseBytes, type FuzzCase } from "./fuzz/case.ts";
import { hexPreview, textPreview } from "./fuzz/bytes.ts";
import { finalCheck } from "./fuzz/final.ts";
import type { GenContext } from "./fuzz/generators.ts";
import { logSummary, rssMb, settledRssMb, startMonitor, workerRestarts } from "./fuzz/monitor.ts";
import type { Judged } from "./fuzz/oracle.ts";
import { parseArgs, type FuzzOptions } from "./fuzz/options.ts";
import { markdown, type FuzzReport } from "./fuzz/report.ts";
import { runCases } from "./fuzz/runner.ts";
import { externalSut, startSut, type Sut } from "./load/target.ts";

export interface FuzzRun {
  report: FuzzReport;
  files: { json: string; md: string };
  exitCode: number;
}

/** Prints one replayed case in full: what was sent (and a file of its bytes), the answer, the verdict. */
function printReplay(o: FuzzOptions, sut: Sut, c: FuzzCase, judged: Judged[], detail: unknown) {
  const bytes = caseBytes(c);
  const file = join(o.out, `fuzz-case-${o.seed}-${c.index}.bin`);
  writeFileSync(file, bytes);
  const show = { ...c, body: undefined, bytes: undefined, frames: undefined };
  console.log(`\n== case ${c.index} (${c.kind}, ${c.transport}): ${c.note}`);
  console.log(JSON.stringify(show, (k, v) => (v === undefined ? undefined : v), 1).replace(/\n\s*/g, " "));
  if (c.transport === "ws") {
    c.frames.forEach((f, i) => {
      const b = typeof f.data === "string" ? new TextEncoder().encode(f.data) : f.data;
      console.log(`frame ${i + 1} (${typeof f.data === "string" ? "text" : "binary"}, expect ${JSON.stringify(f.expect)}): ${hexPreview(b)}\n   ${textPreview(b, 300)}`);
    });
  } else {
    console.log(`bytes: ${hexPreview(bytes)}\n   ${textPreview(bytes, 300)}\n   written to ${file}`);
  }
  if (c.transport === "http") {
    const h = c.headers.map(([k, v]) => `-H ${JSON.stringify(`${k}: ${v}`)}`).join(" ");
    console.log(`   curl -s -X POST '${sut.url}${c.path}' ${h} --data-binary @${file}`);
  }
  console.log(`answer: ${JSON.stringify(detail).slice(0, 3000)}`);
  for (const j of judged) console.log(`verdict: ${j.failure ? `FAIL ${j.failure.kind}: ${j.failure.reason}` : `ok (${j.status} ${j.code})`}`);
}

export async function runFuzz(argv: string[], opts: { quiet?: boolean } = {}): Promise<FuzzRun> {
  const o = parseArgs(argv);
  const log = (s: string) => opts.quiet || console.error(s);
  const startedAt = new Date().toISOString();
  const prefix = `fuzz_${Date.now().toString(36)}`;
  mkdirSync(o.out, { recursive: true });
  const sut: Sut = o.url
    ? { ...externalSut(o.url, null, false), pid: o.pid }
    : await startSut({ kind: "tickgate", prefix, role: "ingest", workers: o.workers, env: o.env });
  let exited = false;
  const gen: GenContext = { seed: o.seed, limits: { maxTicks: o.maxTicks, ndjsonTicks: o.ndjsonMaxTicks, bodyBytes: o.bodyLimit, lineBytes: 1 << 20 } };
  const indices = o.only ?? Array.from({ length: o.bodies }, (_, i) => o.from + i);
  const replayArgs = o.url ? ` --url ${o.url}` : "";
  log(`fuzz: ${o.only ? `replaying ${o.only.join(",")}` : `${indices.length} cases`} (seed ${o.seed}) against ${sut.url}${sut.pid ? ` pid ${sut.pid}` : ""}`);

  const rssBefore = sut.pid ? rssMb(sut.pid) : null;
  const restartsBefore = await workerRestarts(sut.url);
  const monitor = startMonitor(sut.url, sut.pid, { exited: () => exited });
  let lastLog = performance.now();
  let done = 0;
  let failures = 0;
  const { tally, seconds } = await runCases({
    url: sut.url, gen, indices, concurrency: o.concurrency, rawConcurrency: o.rawConcurrency,
    timeoutMs: o.timeoutMs, holdTimeoutMs: o.holdTimeoutMs, replayArgs,
    stop: () => monitor.problems.some((p) => p.kind === "crash"),
    onCase: (c, judged, detail) => {
      done++;
      failures += judged.filter((j) => j.failure).length;
      if (o.only) printReplay(o, sut, c, judged, detail);
      if (o.progress && !o.only && performance.now() - lastLog > 5000) {
        lastLog = performance.now();
        const rss = monitor.samples.at(-1)?.rssMb;
        log(`fuzz: ${done}/${indices.length} cases, ${failures} failures${rss ? `, RSS ${rss.toFixed(0)} MB` : ""}`);
      }
    },
  });
  const final = o.final && !o.only ? await finalCheck(sut.url, o.seed) : null;
  const restartsAfter = await workerRestarts(sut.url);
  const rssAfter = sut.pid ? rssMb(sut.pid) : null;
  const rssSettled = sut.pid && !o.only && o.settle > 0 ? await settledRssMb(sut.pid, o.settle) : null;
  monitor.stop();
  const replay = `bun run fuzz -- --seed ${o.seed} --bodies ${o.bodies}${replayArgs}`;
  for (const p of monitor.problems) tally.serverFailure(p.kind, `${p.reason} (${p.t.toFixed(1)} s into the run)`, replay);
  if (final && !final.ok) tally.serverFailure("final", `closing check: ${JSON.stringify(final)}`, replay);
  if (restartsBefore !== null && restartsAfter !== null && restartsAfter > restartsBefore) {
    tally.serverFailure("crash", `${restartsAfter - restartsBefore} validator worker restart(s) during the run (GET /v1/stats workerRestarts ${restartsBefore} → ${restartsAfter}): a body killed a worker`, replay);
  }
  let exitCode: number | null = null;
  if (!o.url) {
    exitCode = await sut.stop();
    exited = true;
    if (exitCode !== 0) tally.serverFailure("shutdown", `tickgate exited with ${exitCode} on SIGTERM:\n${sut.output().slice(-2000)}`, replay);
  }
  const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? "?", bun: Bun.version, os: `${type()} ${release()}` };
  const report: FuzzReport = {
    command: `bun run fuzz -- ${argv.filter((a) => a !== "--").join(" ")}`.trim(),
    startedAt, machine,
    server: { url: sut.url, startedByFuzzer: !o.url, pid: sut.pid, topicPrefix: o.url ? null : prefix, exitCode },
    seed: o.seed,
    indices: o.only ? { only: o.only } : { from: o.from, to: o.from + o.bodies - 1 },
    seconds, bodiesPerSecond: tally.cases / seconds, cases: tally.cases, answers: tally.answers,
    byKind: tally.byKind, byStatus: tally.byStatus, pipeline503: tally.pipeline503,
    failuresTotal: tally.failuresTotal, failureCounts: tally.failureCounts, failures: tally.failures,
    good: tally.good, ticksCounted: tally.ticksCounted, truncatedRejects: tally.truncatedRejects,
    rss: { beforeMb: rssBefore, peakMb: monitor.peakMb(), afterMb: rssAfter, settledMb: rssSettled, settleSeconds: o.settle, samples: thin(monitor.samples, 300) },
    final, raw: tally.raw, known: tally.known, slowest: tally.topSlowest(),
    workerRestarts: { before: restartsBefore, after: restartsAfter },
    serverLog: o.url ? null : logSummary(sut.output()),
  };
  const stamp = startedAt.replace(/[:.]/g, "-");
  const files = { json: join(o.out, `fuzz-${stamp}.json`), md: join(o.out, `fuzz-${stamp}.md`) };
  writeFileSync(files.json, JSON.stringify(report, null, 2));
  writeFileSync(files.md, markdown(report));
  return { report, files, exitCode: report.failuresTotal > 0 ? 1 : 0 };
}

/** At most `n` samples, evenly spaced, keeping the peak. */
function thin<T extends { rssMb: number }>(samples: T[], n: number): T[] {
  if (samples.length <= n) return samples;
  const step = samples.length / n;
  const out = Array.from({ length: n }, (_, i) => samples[Math.floor(i * step)]);
  const peak = samples.reduce((a, b) => (b.rssMb > a.rssMb ? b : a));
  return out.includes(peak) ? out : [...out, peak];
}

if (import.meta.main) {
  // Ctrl-C: exit through process.exit so the "exit" hook of bench/load/target.ts stops the server child.
  process.on("SIGINT", () => process.exit(130));
  process.on("SIGTERM", () => process.exit(143));
  try {
    const { report, files, exitCode } = await runFuzz(process.argv.slice(2));
    console.log(markdown(report));
    console.log(`results: ${files.json}\n         ${files.md}`);
    process.exit(exitCode);
  } catch (err) {
    console.error(`fuzz: ${(err as Error)?.stack ?? err}`);
    process.exit(2);
  }
}
