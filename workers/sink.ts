// The sink as a worker thread (ROLE=all). The parent starts it with `start(config)` over comlink
// (src/sink/worker.ts: startSinkWorker does all of this) and then calls stats/ready/drain/shutdown.
// The sink runs on its own thread so its decoding and COPY building never delay the HTTP path.
import * as Comlink from "comlink";
import { log } from "../src/log.ts";
import { startSink, type Sink, type SinkConfig, type SinkReady, type SinkStats } from "../src/sink/index.ts";

let sink: Sink | null = null;
let starting: Promise<Sink> | null = null;

const NOT_STARTED: SinkReady = { ready: false, reasons: ["sink not started"], redis: false, pg: false, kafka: false };

const api = {
  /** Starts the sink once; later calls return when the first start finished. */
  async start(config: SinkConfig): Promise<void> {
    // A sink that cannot go on ends this thread: the host (src/sink/host.ts) starts a fresh one,
    // which resumes from the committed offsets (nothing unwritten was committed).
    starting ??= startSink(config, {
      log: (m) => log.info(m, { component: "sink" }),
      onFatal: (reason) => {
        log.error("the sink cannot go on; ending its thread", { component: "sink", reason });
        process.exit(1);
      },
    });
    sink = await starting;
  },
  stats(): SinkStats | null {
    return sink ? sink.stats() : null;
  },
  ready(): SinkReady {
    return sink ? sink.ready() : NOT_STARTED;
  },
  metricsText(): string {
    return sink ? sink.metricsText() : "";
  },
  async drain(): Promise<void> {
    await sink?.drain();
  },
  async shutdown(): Promise<void> {
    const s = sink;
    sink = null;
    starting = null;
    await s?.stop();
  },
};

export type SinkWorkerApi = typeof api;

Comlink.expose(api);
