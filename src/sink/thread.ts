// The sink on a worker thread (ROLE=all): the API the thread entry workers/sink.ts exposes over
// comlink, and the parent's side, which spawns the thread, starts the sink in it and returns the
// same surface as startSink() (every call crosses the thread, hence async). The API type lives
// here, not in workers/, so that src/ never imports a thread entry (it spawns it by URL).
import * as Comlink from "comlink";
import type { SinkConfig, SinkReady, SinkStats } from "./index.ts";

/** What workers/sink.ts exposes. Every value crossing it is structured-cloned (plain data only). */
export interface SinkThreadApi {
  /** Starts the sink once; later calls return when the first start finished. */
  start(config: SinkConfig): Promise<void>;
  /** null until the sink started. */
  stats(): SinkStats | null;
  ready(): SinkReady;
  metricsText(): string;
  drain(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface SinkThreadHandle {
  stats(): Promise<SinkStats | null>;
  ready(): Promise<SinkReady>;
  metricsText(): Promise<string>;
  drain(): Promise<void>;
  /** Drains (bounded by SHUTDOWN_TIMEOUT_MS), disconnects and terminates the thread. */
  stop(): Promise<void>;
  worker: Worker;
}

/**
 * Starts the thread and the sink in it. `onExit` is called once if the thread ends on its own after
 * it started; a thread that dies while starting only fails this call (the caller retries), so one
 * death is never handled twice.
 */
export async function startSinkThread(config: SinkConfig, onExit: (reason: string) => void = () => {}): Promise<SinkThreadHandle> {
  const worker = new Worker(new URL("../../workers/sink.ts", import.meta.url).href);
  const api = Comlink.wrap<SinkThreadApi>(worker as any);
  let ended = false;
  let started = false;
  let stopping = false;
  let died!: (reason: string) => void;
  const death = new Promise<never>((_, reject) => (died = (reason) => reject(new Error(`sink thread ${reason}`))));
  death.catch(() => {});
  const end = (reason: string) => {
    if (ended) return;
    ended = true;
    died(reason);
    worker.terminate();
    if (started && !stopping) onExit(reason);
  };
  worker.addEventListener("error", (e) => end(`failed: ${(e as ErrorEvent).message}`));
  worker.addEventListener("close", (e) => end(`exited with code ${(e as CloseEvent).code}`));
  // Config crosses by structured clone: plain strings, numbers and arrays only. A thread that dies
  // while starting fails the start instead of leaving it pending.
  try {
    await Promise.race([api.start({ ...config }), death]);
    started = true;
  } catch (err) {
    stopping = true;
    end("did not start");
    throw err;
  }
  return {
    stats: () => api.stats(),
    ready: () => api.ready(),
    metricsText: () => api.metricsText(),
    drain: () => api.drain(),
    async stop() {
      stopping = true;
      try {
        if (!ended) await Promise.race([api.shutdown(), death]);
      } finally {
        api[Comlink.releaseProxy]();
        end("was stopped");
      }
    },
    worker,
  };
}
