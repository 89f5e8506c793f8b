// One phase: steady load → the fault → load until the system recovered (a 200 again, the sink caught
// up) → more load → stop the load → wait until the sink stored the phase's ticks. Every wait is
// bounded; the fault's restore() always runs; a component still broken at the end is restarted
// ("healed", and reported) so one failure does not spoil the phases after it.
import { startLoad, type LoadOptions } from "./client.ts";
import { FaultNotAvailable, type Fault, type FaultContext } from "./faults.ts";
import { PhaseLedger } from "./ledger.ts";
import type { Offsets, SinkProgress } from "./sink-progress.ts";
import { watchReadiness, type ReadinessChange } from "./readiness-watch.ts";
import type { Readiness, System } from "./system.ts";

export interface PhaseSettings {
  durationS: number;
  downMs: number;
  recoveryTimeoutS: number;
  settleTimeoutS: number;
  /** ticks of the large batch a fault puts in flight as it strikes */
  burstTicks: number;
  load: Omit<LoadOptions, "url">;
}

export interface PhaseResult {
  fault: Fault["id"];
  title: string;
  /** aborted: Ctrl-C; the phase was cut short, and its account covers what was acknowledged until then */
  status: "ok" | "failed" | "not available" | "aborted";
  error: string | null;
  notes: string[];
  /** what had to be restarted after the phase because it had not recovered by itself */
  healed: string[];
  /** ms, from the injection */
  recovery: {
    /** the fault itself: injection → service started again / process replaced */
    faultMs: number | null;
    /** the first 200 to a request sent after the injection */
    first200Ms: number | null;
    /** the longest stretch without any 200 in the phase */
    longestGapMs: number | null;
    /** the sink committed every record that was in .valid once ingest answered 200 again */
    sinkCaughtUpMs: number | null;
  };
  /** the most records of .valid the sink had not committed, sampled every 2 s (null: Kafka never answered) */
  maxSinkLag: number | null;
  /** after the load stopped: ms until the sink had committed everything (null: not within the bound) */
  settleMs: number | null;
  loadS: number;
  offeredPerS: number;
  ackedPerS: number;
  requests: number;
  /** non-200 answers, every attempt counted: `503 pipeline.busy`, `connection error`, `timeout`, … */
  answers: Record<string, number>;
  abandonedTicks: number;
  /** 200 answers that did not add up (accepted + rejected ≠ the batch, rejects listing cut or out of range) */
  inconsistentAnswers: string[];
  readyAfter: { ingest: Readiness; sink: Readiness };
  /** /readyz of both processes over the phase: every change, ms from the injection */
  readiness: ReadinessChange[];
  /** the slowest /readyz answer of each process over the phase, ms (4000 = it did not answer in time) */
  slowestReadyzMs: { ingest: number; sink: number };
  /** crashes and other exits nobody asked for, during the phase */
  events: { at: number; process: string; what: string; output?: string }[];
}

export interface PhaseContext {
  system: System;
  progress: SinkProgress;
  aborted: () => boolean;
  log: (line: string) => void;
}

async function sleepUnless(ms: number, aborted: () => boolean) {
  const until = performance.now() + ms;
  while (performance.now() < until && !aborted()) await Bun.sleep(Math.min(200, until - performance.now()));
}

async function waitFor(cond: () => boolean, deadline: number, aborted: () => boolean): Promise<boolean> {
  while (!cond()) {
    if (performance.now() > deadline || aborted()) return false;
    await Bun.sleep(50);
  }
  return true;
}

class Aborted extends Error {}

/** On Ctrl-C the settle waits are still made, shorter: an account of ticks the sink never got to see is no account. */
const ABORTED_SETTLE_S = 30;

const fmt = (n: number) => (n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(Math.round(n)));

/** A status line every 2 s: answered ticks/s, non-200 answers/s, records the sink has not committed (the most is kept in r). */
function ticker(name: string, ledger: PhaseLedger, c: PhaseContext, t0: number, r: PhaseResult) {
  let acked = 0;
  let other = 0;
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const a = ledger.acked.size;
      const o = Object.values(ledger.answers).reduce((s, v) => s + v, 0);
      let behind: number | null = null;
      try {
        behind = await c.progress.behind(await c.progress.highWatermarks());
      } catch {}
      if (behind !== null) r.maxSinkLag = Math.max(r.maxSinkLag ?? 0, behind);
      c.log(`${name.padEnd(8)} t=${((performance.now() - t0) / 1000).toFixed(0).padStart(3)}s  acked ${fmt((a - acked) / 2)}/s  non-200 ${fmt((o - other) / 2)}/s  sink behind ${behind ?? "?"}`);
      acked = a;
      other = o;
    } finally {
      busy = false;
    }
  }, 2000);
  return () => clearInterval(timer);
}

export async function runPhase(fault: Fault, s: PhaseSettings, c: PhaseContext): Promise<{ result: PhaseResult; ledger: PhaseLedger }> {
  const { system, progress, aborted, log } = c;
  const ledger = new PhaseLedger(fault.id);
  const eventsBefore = system.events.length;
  let injectAt = 0;
  const load = startLoad({ ...s.load, url: system.ingestUrl }, ledger);
  const fc: FaultContext = { system, downMs: s.downMs, notes: [], injected: () => void (injectAt = performance.now()), burst: () => load.burst(s.burstTicks) };
  const r: PhaseResult = {
    fault: fault.id, title: fault.title, status: "ok", error: null, notes: fc.notes, healed: [],
    recovery: { faultMs: null, first200Ms: null, longestGapMs: null, sinkCaughtUpMs: null },
    settleMs: null, maxSinkLag: null, loadS: 0, offeredPerS: 0, ackedPerS: 0, requests: 0, answers: ledger.answers, abandonedTicks: 0, inconsistentAnswers: ledger.inconsistent,
    readyAfter: { ingest: { status: null, body: "" }, sink: { status: null, body: "" } }, readiness: [], slowestReadyzMs: { ingest: 0, sink: 0 }, events: [],
  };
  const t0 = performance.now();
  log(`── ${fault.id}: ${fault.title}`);
  const stopTicker = ticker(fault.id, ledger, c, t0, r);
  const watch = watchReadiness(system);
  const stopIfAborted = () => {
    if (aborted()) throw new Aborted();
  };
  try {
    await sleepUnless(s.durationS * 1000, aborted);
    stopIfAborted();
    log(`${fault.id}: injecting the fault`);
    const injecting = performance.now();
    try {
      await fault.inject(fc);
    } catch (err) {
      if (err instanceof FaultNotAvailable) {
        r.status = "not available";
        r.error = err.message;
      } else throw err;
    } finally {
      await fault.restore(fc).catch((err) => fc.notes.push(`restore failed: ${(err as Error).message}`));
    }
    const restoredAt = performance.now();
    // A fault that failed before it took effect is timed from the attempt.
    if (!injectAt) injectAt = injecting;
    r.recovery.faultMs = Math.round(restoredAt - injectAt);
    if (r.status === "not available") log(`${fault.id}: not available (${r.error})`);
    else log(`${fault.id}: fault over after ${r.recovery.faultMs} ms; waiting for recovery`);
    stopIfAborted();

    const deadline = restoredAt + s.recoveryTimeoutS * 1000;
    if (await waitFor(() => ledger.firstOkSentAfter(restoredAt) !== null, deadline, aborted)) {
      r.recovery.first200Ms = Math.round(ledger.firstOkSentAfter(injectAt)! - injectAt);
      log(`${fault.id}: first 200 ${r.recovery.first200Ms} ms after the injection`);
    } else if ((stopIfAborted(), true)) fc.notes.push(`no request sent after the fault was over got a 200 within ${s.recoveryTimeoutS} s`);
    // Everything in Kafka once ingest took ticks again must reach the stores.
    const target = await progress.snapshot(deadline, aborted);
    const caughtUp = target ? await progress.waitCommitted(target, deadline, aborted) : null;
    if (caughtUp !== null) {
      r.recovery.sinkCaughtUpMs = Math.round(caughtUp - injectAt);
      log(`${fault.id}: sink caught up ${r.recovery.sinkCaughtUpMs} ms after the injection`);
    } else if ((stopIfAborted(), true)) fc.notes.push(`the sink had not caught up ${s.recoveryTimeoutS} s after the fault was over`);
    await sleepUnless(s.durationS * 1000, aborted);
  } catch (err) {
    if (err instanceof Aborted) {
      r.status = "aborted";
      log(`${fault.id}: aborted`);
    } else {
      r.status = "failed";
      r.error = String((err as Error)?.stack ?? err);
      log(`${fault.id}: phase failed: ${(err as Error)?.message ?? err}`);
    }
  } finally {
    stopTicker();
    r.readiness = await watch.stop(injectAt || t0);
    r.slowestReadyzMs = { ...watch.slowest };
    const stopped = await load.stop(settleBoundS(s, aborted) * 1000);
    r.abandonedTicks = stopped.abandonedTicks;
    if (stopped.abandonedTicks) fc.notes.push(`${stopped.abandonedTicks} ticks never got a 200 within ${settleBoundS(s, aborted)} s after the load stopped`);
  }
  if (injectAt) r.recovery.longestGapMs = Math.round(ledger.longestGapWithoutOk(ledger.loadStartedAt, ledger.loadStoppedAt));
  r.loadS = Math.round((ledger.loadStoppedAt - ledger.loadStartedAt) / 100) / 10;
  r.offeredPerS = Math.round(ledger.offeredTicks / r.loadS);
  r.ackedPerS = Math.round(ledger.acked.size / r.loadS);
  r.requests = ledger.requests;

  await settle(r, s, c);
  r.events = system.events.slice(eventsBefore);
  log(`${fault.id}: done — ${ledger.acked.size} ticks acknowledged, settled ${r.settleMs === null ? "NOT within the bound" : `in ${r.settleMs} ms`}`);
  return { result: r, ledger };
}

const settleBoundS = (s: PhaseSettings, aborted: () => boolean) => (aborted() ? Math.min(ABORTED_SETTLE_S, s.settleTimeoutS) : s.settleTimeoutS);

/** The phase's end: the sink commits everything; both processes ready. What is not gets restarted. */
async function settle(r: PhaseResult, s: PhaseSettings, c: PhaseContext) {
  const { system, progress, aborted } = c;
  const never = () => false;
  const commitAll = async (): Promise<number | null> => {
    const t = performance.now();
    const deadline = t + settleBoundS(s, aborted) * 1000;
    const target: Offsets | null = await progress.snapshot(deadline, never);
    const at = target ? await progress.waitCommitted(target, deadline, never) : null;
    return at === null ? null : Math.round(at - t);
  };
  r.settleMs = await commitAll();
  if (aborted()) return;
  if (r.settleMs === null) {
    r.healed.push(`sink: had not committed every record ${s.settleTimeoutS} s after the load stopped; restarted it`);
    await system.terminate(system.sink);
    await system.startSink();
    const again = await commitAll();
    if (again === null) r.notes.push("the sink did not catch up after a restart either");
    else r.notes.push(`after the restart the sink caught up in ${again} ms`);
  }
  r.readyAfter = { ingest: await system.readiness("ingest"), sink: await system.readiness("sink") };
  for (const which of ["ingest", "sink"] as const) {
    if (r.readyAfter[which].status === 200 || aborted()) continue;
    // /readyz caches for 1 s and probes with timeouts: look a few times before calling it stuck.
    let ready = false;
    for (let i = 0; i < 10 && !ready; i++) {
      await Bun.sleep(1000);
      ready = (await system.readiness(which)).status === 200;
    }
    if (ready) continue;
    r.healed.push(`${which}: /readyz was ${r.readyAfter[which].status ?? "unreachable"} (${r.readyAfter[which].body}) 10 s after the phase; restarted it`);
    if (which === "ingest") {
      const port = Number(new URL(system.ingestUrl).port);
      await system.terminate(system.ingest);
      await system.startIngest(port);
    } else {
      await system.terminate(system.sink);
      await system.startSink();
    }
  }
}
