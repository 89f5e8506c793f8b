// The run's report: JSON (everything, for tools) and markdown (the figures a reader wants first).
import type { FinalCheck } from "./final.ts";
import type { RssSample } from "./monitor.ts";
import type { Tally } from "./tally.ts";

export interface FuzzReport {
  command: string;
  startedAt: string;
  machine: { cpus: number; model: string; bun: string; os: string };
  server: { url: string; startedByFuzzer: boolean; pid: number | null; topicPrefix: string | null; exitCode: number | null };
  seed: number;
  indices: { from: number; to: number } | { only: number[] };
  seconds: number;
  bodiesPerSecond: number;
  cases: number;
  answers: number;
  byKind: Tally["byKind"];
  byStatus: Record<string, number>;
  pipeline503: Record<string, number>;
  failuresTotal: number;
  failureCounts: Tally["failureCounts"];
  failures: Tally["failures"];
  good: Tally["good"];
  ticksCounted: number;
  truncatedRejects: number;
  known: Tally["known"];
  /** afterMb: right after the closing check; settledMb: the lowest in the following settleSeconds of idling */
  rss: { beforeMb: number | null; peakMb: number | null; afterMb: number | null; settledMb: number | null; settleSeconds: number; samples: RssSample[] };
  final: FinalCheck | null;
  raw: Tally["raw"];
  slowest: { index: number; kind: string; ms: number }[];
  workerRestarts: { before: number | null; after: number | null };
  /** warn/error lines of a server the fuzzer started, by message */
  serverLog: { level: string; msg: string; count: number; sample: string }[] | null;
}

const mb = (v: number | null) => (v === null ? "n/a" : `${v.toFixed(1)} MB`);
const sortByCount = (o: Record<string, number>) => Object.entries(o).sort((a, b) => b[1] - a[1]);

export function markdown(r: FuzzReport): string {
  const lines: string[] = [];
  const verdict = r.failuresTotal === 0 ? "**0 failures**" : `**${r.failuresTotal} failures**`;
  lines.push(`# tickgate fuzz run — seed ${r.seed}`, "");
  lines.push(`\`${r.command}\``, "");
  lines.push(`${r.startedAt} · ${r.machine.cpus} × ${r.machine.model} · bun ${r.machine.bun} · server ${r.server.url}${r.server.pid ? ` (pid ${r.server.pid})` : ""}${r.server.startedByFuzzer ? `, started by the fuzzer, TOPIC_PREFIX ${r.server.topicPrefix}, exit code ${r.server.exitCode}` : ""}`, "");
  lines.push("| figure | value |", "|---|---|");
  lines.push(`| cases (bodies) | ${r.cases} |`);
  lines.push(`| answers judged (HTTP responses, WebSocket frames, raw sockets) | ${r.answers} |`);
  lines.push(`| time | ${r.seconds.toFixed(1)} s |`);
  lines.push(`| bodies/s | ${r.bodiesPerSecond.toFixed(0)} |`);
  lines.push(`| failures | ${verdict} ${sortByCount(r.failureCounts as Record<string, number>).map(([k, n]) => `${k} ${n}`).join(", ")} |`);
  lines.push(`| known runtime limitations (not failures) | ${sortByCount(r.known).map(([k, n]) => `${n} × ${k}`).join("; ") || "0"} |`);
  lines.push(`| 503 pipeline.* (load, not failures) | ${sortByCount(r.pipeline503).map(([k, n]) => `${k} ${n}`).join(", ") || "0"} |`);
  lines.push(`| ticks counted in 200s | ${r.ticksCounted} |`);
  lines.push(`| good-batch ticks / rejected by a check | ${r.good.ticks} / ${r.good.rejected}${r.good.rejected ? ` (${sortByCount(r.good.byCode).map(([k, n]) => `${k} ${n}`).join(", ")})` : ""} |`);
  lines.push(`| RSS before / peak / after / settled (lowest in ${r.rss.settleSeconds} s idle) | ${mb(r.rss.beforeMb)} / ${mb(r.rss.peakMb)} / ${mb(r.rss.afterMb)} / ${mb(r.rss.settledMb)} |`);
  lines.push(`| validator worker restarts (GET /v1/stats) before / after | ${r.workerRestarts.before ?? "n/a"} / ${r.workerRestarts.after ?? "n/a"} |`);
  if (r.final) lines.push(`| closing good batch / readyz | ${r.final.batch.status} (${r.final.batch.accepted}/${r.final.batch.ticks} accepted) / ${r.final.readyz.status} |`);
  lines.push("");
  lines.push("## Answers by status and code", "", "| status code | answers |", "|---|---|");
  for (const [k, n] of sortByCount(r.byStatus)) lines.push(`| ${k} | ${n} |`);
  lines.push("", "## By generator kind", "", "| kind | cases | answers | failures | 503 | statuses |", "|---|---|---|---|---|---|");
  for (const [name, k] of Object.entries(r.byKind).sort((a, b) => a[0].localeCompare(b[0]))) {
    const st = sortByCount(k.byStatus).slice(0, 6).map(([s, n]) => `${s} ×${n}`).join(", ");
    lines.push(`| ${name} | ${k.cases} | ${k.answers} | ${k.failures} | ${k.pipeline503} | ${st} |`);
  }
  if (r.failures.length) {
    lines.push("", `## Failures (the first ${r.failures.length} of ${r.failuresTotal} kept, grouped; all of them in the JSON's failureCounts)`, "");
    // One line per distinct (failure, kind, reason head): the full list is in the JSON.
    const seen = new Map<string, { f: FuzzReport["failures"][number]; n: number }>();
    for (const f of r.failures) {
      const key = `${f.failure}|${f.kind}|${f.reason.replace(/\d+/g, "N").slice(0, 80)}`;
      const s = seen.get(key);
      if (s) s.n++;
      else seen.set(key, { f, n: 1 });
    }
    lines.push("| failure | kind | index | ×similar (of those kept) | reason | body | replay |", "|---|---|---|---|---|---|---|");
    for (const { f, n } of seen.values()) {
      const esc = (s: string) => s.replace(/\|/g, "\\|").replace(/`/g, "'");
      lines.push(`| ${f.failure} | ${f.kind}${f.frame ? ` frame ${f.frame}` : ""} | ${f.index} | ${n} | ${esc(f.reason.slice(0, 200))} | \`${esc(f.text.slice(0, 80))}\` | \`${f.replay}\` |`);
    }
  }
  if (r.raw.length) {
    lines.push("", "## Raw sockets", "", "| index | case | ending | ms |", "|---|---|---|---|");
    for (const x of r.raw) lines.push(`| ${x.index} | ${x.note} | ${x.ending} | ${x.ms} |`);
  }
  if (r.good.examples.length) {
    lines.push("", "## Good ticks a check rejected (not failures: stateful checks may fire on a generated feed)", "");
    for (const x of r.good.examples) lines.push(`- ${x.kind} #${x.index}${x.frame ? ` frame ${x.frame}` : ""}: ${x.codes.map((c) => c.join("+")).join(", ")} — \`${x.replay}\``);
  }
  if (r.serverLog?.length) {
    lines.push("", "## Server warn/error log lines", "", "| level | message | count | sample |", "|---|---|---|---|");
    for (const l of r.serverLog.slice(0, 20)) lines.push(`| ${l.level} | ${l.msg.replace(/\|/g, "\\|")} | ${l.count} | \`${l.sample.slice(0, 200).replace(/\|/g, "\\|").replace(/`/g, "'")}\` |`);
  }
  lines.push("", "## Slowest cases", "", r.slowest.map((s) => `${s.index} (${s.kind}) ${s.ms} ms`).join(" · "), "");
  if (r.final && !r.final.ok) lines.push("", `Closing check failed: ${JSON.stringify(r.final)}`, "");
  return lines.join("\n");
}
