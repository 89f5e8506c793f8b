// The markdown summary and the chart of a load-tool run, from its JSON result.
import type { CeilingResult } from "../ceiling.ts";
import type { ScenarioResult } from "./scenarios.ts";
import type { RunResult } from "./session.ts";
import { chart, type Panel, type Series } from "./svg.ts";

export interface LoadResult extends ScenarioResult {
  scenario: string;
  startedAt: string;
  command: string;
  machine: { cpus: number; model: string; bun: string; os: string; loadAvgAtStart: number[] };
  options: Record<string, unknown>;
}

const isCeiling = (r: RunResult | CeilingResult): r is CeilingResult => r.target === "ceiling";
const n = (v: number | null | undefined) => (v === null || v === undefined ? "–" : Math.round(v).toLocaleString("en-US"));
const ms = (v: number | null | undefined) => (v === null || v === undefined ? "–" : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : Math.round(v).toString());
const lat = (l: { p50: number | null; p95: number | null; p99: number | null; max?: number | null } | null) =>
  l ? `${ms(l.p50)} / ${ms(l.p95)} / ${ms(l.p99)}${l.max !== undefined ? ` / ${ms(l.max)}` : ""}` : "–";

function name(r: RunResult | CeilingResult): string {
  if (isCeiling(r)) return `ceiling (${r.producers} producers)`;
  const w = r.env.WORKERS ? ` WORKERS=${r.env.WORKERS}` : "";
  return `${r.target}${w}${r.target === "tickgate" ? ` ${r.mode}${r.mode !== "ndjson" ? "/" + r.format : ""}` : ""}`;
}

const threadsText = (t: Record<string, number> | null) =>
  t ? Object.entries(t).filter(([, v]) => v >= 0.5).map(([k, v]) => `${k} ${v}`).join(", ") : "–";

export function markdown(res: LoadResult): string {
  const L: string[] = [];
  L.push(`## load: ${res.scenario}`, "");
  L.push(`\`${res.command}\` — ${res.startedAt}, ${res.machine.cpus} × ${res.machine.model}, Bun ${res.machine.bun}, ${res.machine.os}, load average at start ${res.machine.loadAvgAtStart.map((x) => x.toFixed(2)).join(" ")}`, "");
  L.push("CPU columns: % of one vCPU over the step; machine busy: % of all vCPUs, everyone's work included.", "");
  L.push("| run | offered ticks/s | achieved ticks/s | stored ticks/s | ack p50 / p95 / p99 / max ms | POST→Redis p50 / p95 / p99 ms | POST→PostgreSQL p50 / p95 / p99 ms | CPU server / load tool / Kafka / Redis / PG, machine busy | loss account |");
  L.push("|---|---:|---:|---:|---|---|---|---|---|");
  for (const r of res.runs) {
    if (isCeiling(r)) {
      L.push(`| ${name(r)} | – | ${n(r.recordsPerS)} records/s | – | sendBatch ${lat(r.send)} | – | – | – | ${n(r.records)} records measured; every record sent is in Kafka |`);
      continue;
    }
    for (const st of r.steps) {
      const e = st.e2e;
      const k = st.cpu.stackPct;
      const cpu = `${st.cpu.serverPct ?? "–"} / ${st.cpu.loadToolPct} / ${k.kafka ?? "–"} / ${k.redis ?? "–"} / ${k.postgres ?? "–"} %, ${st.cpu.machineBusyPct ?? "–"} %`;
      L.push(
        `| ${name(r)}${r.steps.length > 1 ? ` ${st.label}` : ""} | ${n(st.offered)}${st.profile === `${st.targetRate} ticks/s` ? ` (of ${n(st.targetRate)})` : st.targetRate ? ` (${st.profile})` : " (max)"} | ${n(st.achieved)} | ${n(st.stored ?? (r.steps.length === 1 ? r.endToEndTicksPerS : null))} | ${lat(st.ack)} | ${e?.redis ? lat(e.redis) : "–"} | ${e?.pg ? lat(e.pg) : "–"} | ${cpu} | ${r.steps.length === 1 ? (r.account.balanced ? "balanced" : "**off**") : ""} |`,
      );
    }
  }
  L.push("");
  for (const r of res.runs) {
    if (isCeiling(r)) continue;
    const a = r.account;
    L.push(`**Loss account, ${name(r)}** (run ${r.runId}, topics ${r.prefix ?? "?"}.*): ${a.balanced ? "balanced" : "NOT balanced"}`, "");
    L.push("| sent | accepted | (flagged) | rejected | refused 503 | failed | bad ticks in answered requests | in .valid | in .rejected | in Redis | in PostgreSQL | sink caught up |");
    L.push("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    L.push(`| ${n(a.sent)} | ${n(a.accepted)} | ${n(a.flagged)} | ${n(a.rejected)} | ${n(a.refused)} | ${n(a.failed)} | ${n(a.generatedBad)} | ${n(a.kafkaValid)} | ${n(a.kafkaRejected)} | ${a.redis === null ? "n/a" : n(a.redis)} | ${a.pg === null ? "n/a" : n(a.pg)} | ${a.sinkCatchUpMs === null ? "–" : `${a.sinkCatchUpMs} ms after the last ack`} |`);
    for (const p of a.problems) L.push(`- off: ${p}`);
    if (r.e2e.redis || r.e2e.pg) {
      L.push(`- end-to-end samples: ${(r.e2e.redis ?? r.e2e.pg)!.n + (r.e2e.redis ?? r.e2e.pg)!.missing} (1 in ${res.options.sample} good ticks); never seen: Redis ${r.e2e.redis?.missing ?? "–"}, PostgreSQL ${r.e2e.pg?.missing ?? "–"}`);
      if (r.steps.length > 1) L.push(`- end-to-end over all steps, p50 / p95 / p99 / max ms: POST→Redis ${lat(r.e2e.redis)}, POST→PostgreSQL ${lat(r.e2e.pg)}`);
    }
    const errs = r.steps.flatMap((s) => s.totals.errors).slice(0, 5);
    for (const e of errs) L.push(`- error: ${e}`);
    L.push("");
  }
  const rows = res.runs.flatMap((r) => (isCeiling(r) ? [] : r.steps.filter((st) => st.server).map((st) => ({ r, st }))));
  if (rows.length) {
    L.push("**Inside the server** (its /metrics over each step; means)", "");
    L.push("| run | client ack mean ms | server ack mean ms | Kafka sendBatch mean ms | ticks per send | sink rows per batch | sink Redis / PostgreSQL / flush mean ms | server CPU by thread (% of a vCPU) |");
    L.push("|---|---:|---:|---:|---:|---:|---|---|");
    for (const { r, st } of rows) {
      const b = st.server!;
      L.push(`| ${name(r)}${r.steps.length > 1 ? ` ${st.label}` : ""} | ${ms(st.ackMean)} | ${ms(b.serverAckMeanMs)} | ${ms(b.kafkaSendMeanMs)} | ${n(b.recordsPerSend)} | ${n(b.sinkRowsPerBatch)} | ${ms(b.sinkRedisMeanMs)} / ${ms(b.sinkPgMeanMs)} / ${ms(b.sinkFlushMeanMs)} | ${threadsText(st.cpu.serverThreadsPct)} |`);
    }
    L.push("");
  }
  if (res.ratios) {
    L.push("| ratio | value |", "|---|---:|");
    for (const [k, v] of Object.entries(res.ratios)) L.push(`| ${k} | ${v === null ? "–" : `${v}×`} |`);
    L.push("");
  }
  if (res.capacity) {
    L.push(`**Capacity** (ack p99 ≤ ${res.capacity.bound} ms, no 503, ≥ 95 % of the offered rate answered): **${res.capacity.best === null ? "none of the steps" : `${n(res.capacity.best)} ticks/s`}**`, "");
    L.push("| offered ticks/s | achieved | ack p99 ms | refused | pass |", "|---:|---:|---:|---:|---|");
    for (const s of res.capacity.steps) L.push(`| ${n(s.rate)} | ${n(s.achieved)} | ${ms(s.p99)} | ${n(s.refused)} | ${s.pass ? "yes" : "no"} |`);
    L.push("");
  }
  if (res.scaling) {
    L.push("| WORKERS | achieved ticks/s | end-to-end ticks/s | ack p50 ms | ack p99 ms | server CPU | loss account |", "|---:|---:|---:|---:|---:|---:|---|");
    for (const s of res.scaling) L.push(`| ${s.workers} | ${n(s.achieved)} | ${n(s.endToEnd)} | ${ms(s.ackP50)} | ${ms(s.ackP99)} | ${s.serverCpuPct ?? "–"}% | ${s.balanced ? "balanced" : "off"} |`);
    L.push("");
  }
  return L.join("\n");
}

export function svg(res: LoadResult): string {
  const thr: Series[] = [];
  const latS: Series[] = [];
  const runs = res.runs;
  const many = runs.length > 1;
  for (const r of runs) {
    if (isCeiling(r)) {
      thr.push({ name: `${name(r)} records/s`, points: r.timeline.slice(0, Math.floor(r.durationS)).map((x) => x.records) });
      continue;
    }
    // Whole seconds of each step only: the answers that trickle in after a step's end make a partial last second.
    const tl = r.steps.flatMap((s) => s.timeline.slice(0, Math.ceil(s.durationS)));
    if (!many) thr.push({ name: "offered", points: tl.map((x) => x.sent), dashed: true });
    thr.push({ name: many ? `${name(r)} acked` : "acked", points: tl.map((x) => x.acked) });
    if (!many) latS.push({ name: "ack p50", points: tl.map((x) => x.p50) });
    latS.push({ name: many ? `${name(r)} p99` : "ack p99", points: tl.map((x) => x.p99) });
  }
  const panels: Panel[] = [{ title: "throughput", unit: "ticks/s, per second", series: thr }];
  if (latS.length) panels.push({ title: "ack latency", unit: "ms, per second", series: latS });
  return chart(`tickgate load: ${res.scenario} — ${res.startedAt}`, panels);
}
