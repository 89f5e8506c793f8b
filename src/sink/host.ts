// The sink behind one async surface for src/main.ts, whichever way it runs: "worker" (ROLE=all, a
// worker thread through comlink) or "inline" (ROLE=sink, in the main thread). ready() answers in
// /readyz's ProbeResult shape.
import type { SinkConfig, SinkReady, SinkStats } from "./index.ts";
import { startSink } from "./index.ts";
import { startSinkWorker } from "./worker.ts";

export interface SinkHost {
  ready(): Promise<{ ok: boolean; detail?: string }>;
  stats(): Promise<SinkStats | null>;
  metricsText(): Promise<string>;
  drain(): Promise<void>;
  stop(): Promise<void>;
}

const probe = (r: SinkReady) => (r.ready ? { ok: true } : { ok: false, detail: r.reasons.join("; ") });

export async function startSinkHost(config: SinkConfig, mode: "worker" | "inline"): Promise<SinkHost> {
  if (mode === "worker") {
    const w = await startSinkWorker(config);
    return {
      ready: async () => probe(await w.ready()),
      stats: () => w.stats(),
      metricsText: () => w.metricsText(),
      drain: () => w.drain(),
      stop: () => w.stop(),
    };
  }
  const s = await startSink(config);
  return {
    ready: async () => probe(s.ready()),
    stats: async () => s.stats(),
    metricsText: async () => s.metricsText(),
    drain: () => s.drain(),
    stop: () => s.stop(),
  };
}
