// Turns mitata results into rows that say what one unit (a tick, a record, a row) costs, so stages
// that time a batch per iteration and stages that time one tick are read the same way.
import { run } from "mitata";

export interface Row {
  stage: string;
  name: string;
  /** what one unit is: "tick", "record", "row", "request" */
  unit: string;
  /** units per timed iteration */
  perOp: number;
  /** mean ns per unit */
  ns: number;
  /** percentiles of the per-iteration time, ns per unit */
  p50: number;
  p75: number;
  p99: number;
  /** units per second at the mean */
  perSec: number;
  samples: number;
}

export interface StageResult {
  stage: string;
  rows: Row[];
  context?: unknown;
  skipped?: string;
}

/** Units per iteration: from a trailing "[N unit]" in the bench name, e.g. "sendBatch [500 record]". */
export function unitsOf(name: string): { n: number; unit: string } {
  const m = /\[(\d+)\s*([a-z]+)\]\s*$/.exec(name);
  return m ? { n: Number(m[1]), unit: m[2] } : { n: 1, unit: "op" };
}

export function rowsFrom(stage: string, benchmarks: Awaited<ReturnType<typeof run>>["benchmarks"]): Row[] {
  const rows: Row[] = [];
  for (const trial of benchmarks) {
    for (const r of trial.runs) {
      if (!r.stats) {
        console.error(`  ${r.name}: failed: ${String((r.error as Error)?.message ?? r.error)}`);
        continue;
      }
      const { n, unit } = unitsOf(r.name);
      const s = r.stats as { avg: number; p50: number; p75: number; p99: number; samples: number[] };
      rows.push({
        stage, name: r.name, unit, perOp: n,
        ns: s.avg / n, p50: s.p50 / n, p75: s.p75 / n, p99: s.p99 / n,
        perSec: 1e9 / (s.avg / n), samples: s.samples.length,
      });
    }
  }
  return rows;
}

/** Runs the benches registered so far (mitata prints its table as progress) and returns rows. */
export async function runStage(stage: string): Promise<StageResult> {
  console.log(`\n== ${stage}`);
  const { benchmarks, context } = await run({ format: "mitata", colors: process.stdout.isTTY });
  return { stage, rows: rowsFrom(stage, benchmarks), context };
}

const fmtNs = (ns: number) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(1)} ns`);
const fmtRate = (r: number) => (r >= 1e6 ? `${(r / 1e6).toFixed(2)} M/s` : r >= 1e3 ? `${(r / 1e3).toFixed(1)} k/s` : `${r.toFixed(0)}/s`);

export function markdown(results: StageResult[], header: string): string {
  const lines = [header, "", "| stage | benchmark | per | mean | p75 | p99 | throughput |", "|---|---|---|---|---|---|---|"];
  for (const r of results) {
    if (r.skipped) lines.push(`| ${r.stage} | skipped: ${r.skipped} | | | | | |`);
    for (const row of r.rows) {
      lines.push(`| ${row.stage} | ${row.name.replace(/\|/g, "\\|")} | ${row.unit} | ${fmtNs(row.ns)} | ${fmtNs(row.p75)} | ${fmtNs(row.p99)} | ${fmtRate(row.perSec)} |`);
    }
  }
  return lines.join("\n") + "\n";
}
