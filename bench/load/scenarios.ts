// The scenarios (issue 6, after the old pipeline's load tests: steady, peak, and bursts of 5,000/s alternating with 100/s):
//   steady    a constant offered rate (default 20k ticks/s: the ack-p99 target)
//   peak      as fast as the server answers (the sustained-throughput target), or --rate
//   burst     --rate (high) and --low alternating every --phase seconds
//   capacity  steps of rising rate; the highest whose ack p99 ≤ --p99 ms (and that is kept up with)
//   compare   tickgate, the baseline and the ceiling one after the other, same mix; ratios
//   scaling   tickgate with WORKERS = 1, 2, 4
import { runCeiling, type CeilingResult } from "../ceiling.ts";
import type { Options } from "./options.ts";
import { burst, constant } from "./rate.ts";
import { closeSession, openSession, runStep, type RunResult, type StepResult } from "./session.ts";

export interface CapacityStep {
  rate: number;
  achieved: number;
  p99: number | null;
  refused: number;
  pass: boolean;
}

export interface ScenarioResult {
  runs: (RunResult | CeilingResult)[];
  capacity?: { bound: number; best: number | null; steps: CapacityStep[] };
  ratios?: Record<string, number | null>;
  scaling?: { workers: number; achieved: number; endToEnd: number | null; ackP50: number | null; ackP99: number | null; serverCpuPct: number | null; balanced: boolean }[];
}

const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? Math.round((a / b) * 100) / 100 : null);

async function single(o: Options, kind: "tickgate" | "baseline", label: string, profile = constant(o.rate), workers = o.workers): Promise<RunResult> {
  const s = await openSession(o, kind, workers);
  // The session is always closed (server stopped, data removed), also when the step failed.
  const failed = await (async () => {
    if (o.warmup > 0) await runStep(s, `${label} warm-up`, profile, o.warmup, o.rate, true);
    await runStep(s, label, profile, o.duration, o.rate);
  })().then(() => null, (e) => e);
  const result = await closeSession(s);
  if (failed) throw failed;
  return result;
}

async function ceiling(o: Options): Promise<CeilingResult> {
  return runCeiling({
    durationS: o.duration,
    batch: o.batch,
    producers: o.producers ?? undefined,
    bad: o.bad,
    warmupS: o.warmup,
    progress: o.progress ? (n, s) => process.stderr.write(`${process.stderr.isTTY ? "\r\x1b[2K" : ""}ceiling                ${s}/${o.duration}s  ${n} records/s${process.stderr.isTTY ? "" : "\n"}`) : undefined,
  }).finally(() => o.progress && process.stderr.isTTY && process.stderr.write("\n"));
}

/** A step passes when its ack p99 is under the bound, nothing was refused and the rate was kept up with. */
const passes = (st: StepResult, bound: number) =>
  st.ack.p99 !== null && st.ack.p99 <= bound && st.totals.refused === 0 && st.totals.failed === 0 && st.achieved >= st.targetRate * 0.95;

async function capacity(o: Options): Promise<ScenarioResult> {
  if (o.target === "ceiling") throw new Error("capacity: --target tickgate or baseline");
  const s = await openSession(o, o.target);
  const steps: CapacityStep[] = [];
  let best: number | null = null;
  let failed: unknown = null;
  try {
    const step = async (rate: number) => {
      const st = await runStep(s, `capacity ${rate}/s`, constant(rate), o.step!, rate);
      const pass = passes(st, o.p99);
      steps.push({ rate, achieved: st.achieved, p99: st.ack.p99, refused: st.totals.refused, pass });
      if (pass && (best === null || rate > best)) best = rate;
      await Bun.sleep(1000); // let queues drain between steps
      return pass;
    };
    if (o.warmup > 0) await runStep(s, "warm-up", constant(o.rate), o.warmup, o.rate, true);
    // Double until a step fails, then bisect between the last pass and the first failure.
    let lo = 0;
    let hi = 0;
    for (let rate = o.rate, n = 0; n < 8; rate *= 2, n++) {
      if (await step(rate)) lo = rate;
      else {
        hi = rate;
        break;
      }
    }
    for (let i = 0; i < 3 && hi > 0 && hi - lo > Math.max(1000, hi * 0.05); i++) {
      const mid = Math.round((lo + hi) / 2 / 500) * 500;
      if (await step(mid)) lo = mid;
      else hi = mid;
    }
  } catch (e) {
    failed = e;
  }
  const run = await closeSession(s);
  if (failed) throw failed;
  return { runs: [run], capacity: { bound: o.p99, best, steps } };
}

export async function runScenario(o: Options): Promise<ScenarioResult> {
  switch (o.scenario) {
    case "steady":
    case "peak":
    case "burst": {
      if (o.target === "ceiling") return { runs: [await ceiling(o)] };
      const profile = o.scenario === "burst" ? burst(o.rate, o.low, o.phase) : constant(o.rate);
      return { runs: [await single(o, o.target, `${o.target} ${o.scenario}`, profile)] };
    }
    case "capacity":
      return capacity(o);
    case "compare": {
      // Each target twice: at one common offered rate both sustain (latency side by side), then as
      // fast as it answers (throughput). The baseline speaks HTTP JSON / MessagePack only. The
      // latency steps send --compare-batch ticks a request, so that their p99 rests on hundreds of
      // answers (2000 ticks/s in batches of 500 would be 4 a second).
      const latS = Math.max(10, Math.round(o.duration / 2));
      const lb = o.compareBatch;
      const steps = async (kind: "tickgate" | "baseline", oo: Options) => {
        const s = await openSession(oo, kind, kind === "tickgate" ? oo.workers : null);
        const failed = await (async () => {
          if (oo.warmup > 0) await runStep(s, "warm-up", constant(o.compareRate), oo.warmup, o.compareRate, true, "kafka", lb);
          await runStep(s, `@ ${o.compareRate}/s, ${lb} a request`, constant(o.compareRate), latS, o.compareRate, false, "kafka", lb);
          // The same rate answered only once Redis and PostgreSQL hold the ticks (tickgate only).
          if (kind === "tickgate" && oo.role === "all") await runStep(s, `@ ${o.compareRate}/s, ${lb} a request, ack=stored`, constant(o.compareRate), latS, o.compareRate, false, "stored", lb);
          await runStep(s, o.rate > 0 ? `@ ${o.rate}/s` : "max", constant(o.rate), o.duration, o.rate, false, "kafka");
        })().then(() => null, (e) => e);
        const r = await closeSession(s);
        if (failed) throw failed;
        return r;
      };
      const tg = await steps("tickgate", o);
      const base = await steps("baseline", { ...o, mode: "http" });
      const ceil = await ceiling(o);
      const tl = tg.steps[0];
      const tStored = tg.steps.find((st) => st.ackLevel === "stored");
      const tm = tg.steps[tg.steps.length - 1];
      const [bl, bm] = base.steps;
      return {
        runs: [tg, base, ceil],
        ratios: {
          "throughput tickgate / baseline": ratio(tm.achieved, bm.achieved),
          "answered A / ceiling C (tickgate max)": ratio(tm.achieved, ceil.recordsPerS),
          "stored S / answered A (tickgate max)": ratio(tm.stored, tm.achieved),
          "stored S / ceiling C (tickgate max)": ratio(tm.stored, ceil.recordsPerS),
          [`ack p99, ack=stored / ack=kafka at ${o.compareRate}/s`]: ratio(tStored?.ack.p99, tl.ack.p99),
          [`ack p50 baseline / tickgate at ${o.compareRate}/s`]: ratio(bl.ack.p50, tl.ack.p50),
          [`ack p99 baseline / tickgate at ${o.compareRate}/s`]: ratio(bl.ack.p99, tl.ack.p99),
        },
      };
    }
    case "scaling": {
      const runs: RunResult[] = [];
      for (const w of o.scaling) runs.push(await single(o, "tickgate", `tickgate WORKERS=${w}`, constant(o.rate), w));
      return {
        runs,
        scaling: runs.map((r, i) => ({
          workers: o.scaling[i],
          achieved: r.steps[0].achieved,
          endToEnd: r.endToEndTicksPerS,
          ackP50: r.steps[0].ack.p50,
          ackP99: r.steps[0].ack.p99,
          serverCpuPct: r.steps[0].cpu.serverPct,
          balanced: r.account.balanced,
        })),
      };
    }
  }
}
