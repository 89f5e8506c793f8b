// Runs the sink for src/main.ts, either way, behind one async surface (SinkRunner):
//   "worker" (ROLE=all): a worker thread, supervised — when it ends on its own (a crash, or a sink
//     that cannot go on) a new one is started with backoff, resuming from the committed offsets,
//     while the ingest half keeps serving. Restarting the thread rather than the process keeps
//     ingest up; nothing is lost because offsets are committed only after both stores wrote.
//   "inline" (ROLE=sink): the sink is the process; a fatal error exits non-zero (startSink's default)
//     for the orchestrator to restart it, the usual contract of a single-purpose container.
// Every call is bounded, so a stuck sink thread reads as "not ready", never as a hung /readyz or /metrics.
import { log } from "../log.ts";
import { Registry } from "../metrics.ts";
import { withTimeout } from "../timeout.ts";
import type { SinkConfig, SinkReady, SinkStats } from "./index.ts";
import { startSink } from "./index.ts";
import { startSinkThread, type SinkThreadHandle } from "./thread.ts";

/** /readyz's shape: a fixed `state` word, the error text only for the log. */
export interface SinkProbe {
  ok: boolean;
  state?: string;
  error?: string;
}

export interface SinkRunner {
  ready(): Promise<SinkProbe>;
  /** null while the sink thread is (re)starting or does not answer in time. */
  stats(): Promise<(SinkStats & { restarts?: number }) | null>;
  metricsText(): Promise<string>;
  drain(): Promise<void>;
  stop(): Promise<void>;
  /** Ends the sink thread for the supervisor to replace (ROLE=all): gracefully, or at once when `hard`. False where the sink is the process. */
  restart(hard?: boolean): boolean;
}

/** Bound on a control-plane call into the sink thread. */
const CALL_MS = 2000;
const RESTART_MIN_MS = 500;
const RESTART_MAX_MS = 30_000;

function probe(r: SinkReady): SinkProbe {
  if (r.ready) return { ok: true };
  const down = [!r.kafka && "kafka", !r.redis && "redis", !r.pg && "postgres"].filter(Boolean);
  return { ok: false, state: down.length ? `${down.join(", ")} unavailable` : "stopping", error: r.reasons.join("; ") };
}

export async function startSinkRunner(config: SinkConfig, mode: "worker" | "inline"): Promise<SinkRunner> {
  if (mode === "worker") return superviseSinkThread(config);
  const s = await startSink(config);
  return {
    ready: async () => probe(s.ready()),
    stats: async () => s.stats(),
    metricsText: async () => s.metricsText(),
    drain: () => s.drain(),
    stop: () => s.stop(),
    restart: () => false,
  };
}

function superviseSinkThread(config: SinkConfig): SinkRunner {
  let current: SinkThreadHandle | null = null;
  let state = "starting";
  let restarts = 0;
  let stopped = false;

  async function launch() {
    for (let attempt = 0; !stopped; attempt++) {
      try {
        let started: SinkThreadHandle | null = null;
        // Only the death of the current thread starts another (never one already replaced).
        const handle = await startSinkThread(config, (reason) => current === started && onDeath(reason));
        started = handle;
        if (stopped) return void (await handle.stop().catch(() => {}));
        current = handle;
        state = "running";
        return;
      } catch (err) {
        const delay = Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** attempt);
        log.error("sink thread did not start; trying again", { attempt: attempt + 1, retryInMs: delay, error: String((err as Error)?.message ?? err) });
        await Bun.sleep(delay);
      }
    }
  }

  function onDeath(reason: string) {
    current = null;
    if (stopped) return;
    restarts++;
    state = "restarting";
    log.error("sink thread ended; starting a new one (it resumes from the committed offsets)", { reason, restarts });
    void launch();
  }

  void launch();

  const restartMetric = () => {
    const r = new Registry();
    r.counter("tickgate_sink_restarts_total", "sink threads restarted after ending on their own").inc({}, restarts);
    return r.text();
  };

  return {
    async ready() {
      const h = current;
      if (!h) return { ok: false, state };
      return probe(await withTimeout(CALL_MS, h.ready(), "sink readiness"));
    },
    async stats() {
      const h = current;
      if (!h) return null;
      const s = await withTimeout(CALL_MS, h.stats(), "sink stats").catch(() => null);
      return s ? { ...s, restarts } : null;
    },
    async metricsText() {
      const h = current;
      const text = h ? await withTimeout(CALL_MS, h.metricsText(), "sink metrics").catch(() => "") : "";
      return text + restartMetric();
    },
    async drain() {
      const h = current;
      if (h) await withTimeout(config.SHUTDOWN_TIMEOUT_MS, h.drain(), "sink drain");
    },
    async stop() {
      stopped = true;
      const h = current;
      current = null;
      // Bounded: the sink's own stop gives up on unwritten batches at SHUTDOWN_TIMEOUT_MS; a thread
      // that does not answer at all is ended (nothing unwritten was committed).
      if (h) await withTimeout(config.SHUTDOWN_TIMEOUT_MS + 1000, h.stop(), "sink stop").catch(() => h.worker.terminate());
    },
    restart(hard = false) {
      const h = current;
      if (!h || stopped) return false;
      if (hard) {
        h.worker.terminate(); // its close event reaches onDeath, as a crash's would
        return true;
      }
      // Gracefully when it can (writes and commits what it holds, leaves the group at once, so the
      // new one is assigned the partitions without waiting out the session timeout); else ended.
      current = null;
      state = "restarting";
      void withTimeout(config.SHUTDOWN_TIMEOUT_MS, h.stop(), "sink stop")
        .catch(() => h.worker.terminate())
        .then(() => onDeath("was restarted by POST /v1/sink/restart"));
      return true;
    },
  };
}
