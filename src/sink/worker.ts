// Parent side of workers/sink.ts for ROLE=all: spawns the worker, starts the sink in it and returns
// the same surface as startSink() (every call crosses the thread through comlink, hence async).
import * as Comlink from "comlink";
import type { SinkWorkerApi } from "../../workers/sink.ts";
import type { SinkConfig, SinkReady, SinkStats } from "./index.ts";

export interface SinkWorkerHandle {
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
export async function startSinkWorker(config: SinkConfig, onExit: (reason: string) => void = () => {}): Promise<SinkWorkerHandle> {
  const worker = new Worker(new URL("../../workers/sink.ts", import.meta.url).href);
  const api = Comlink.wrap<SinkWorkerApi>(worker as any);
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
