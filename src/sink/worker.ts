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

export async function startSinkWorker(config: SinkConfig): Promise<SinkWorkerHandle> {
  const worker = new Worker(new URL("../../workers/sink.ts", import.meta.url).href);
  const api = Comlink.wrap<SinkWorkerApi>(worker as any);
  // Config crosses by structured clone: plain strings, numbers and arrays only.
  await api.start({ ...config });
  return {
    stats: () => api.stats(),
    ready: () => api.ready(),
    metricsText: () => api.metricsText(),
    drain: () => api.drain(),
    async stop() {
      try {
        await api.shutdown();
      } finally {
        api[Comlink.releaseProxy]();
        worker.terminate();
      }
    },
    worker,
  };
}
