// The sink as a worker thread (ROLE=all): a thin entry that exposes SinkThreadApi over comlink. The
// parent (src/sink/thread.ts: startSinkThread) starts it with `start(config)` and then calls
// stats/ready/drain/shutdown. The sink runs on its own thread so its decoding and COPY building
// never delay the HTTP path.
import * as Comlink from "comlink";
import { log } from "../src/log.ts";
import { startSink, type Sink, type SinkReady } from "../src/sink/index.ts";
import type { SinkThreadApi } from "../src/sink/thread.ts";

let sink: Sink | null = null;
let starting: Promise<Sink> | null = null;

const NOT_STARTED: SinkReady = { ready: false, reasons: ["sink not started"], redis: false, pg: false, kafka: false };

const api: SinkThreadApi = {
  async start(config) {
    // A sink that cannot go on ends this thread: the runner (src/sink/runner.ts) starts a fresh
    // one, which resumes from the committed offsets (nothing unwritten was committed).
    starting ??= startSink(config, {
      log: (m) => log.info(m, { component: "sink" }),
      onFatal: (reason) => {
        log.error("the sink cannot go on; ending its thread", { component: "sink", reason });
        process.exit(1);
      },
    });
    sink = await starting;
  },
  stats: () => (sink ? sink.stats() : null),
  ready: () => (sink ? sink.ready() : NOT_STARTED),
  metricsText: () => (sink ? sink.metricsText() : ""),
  async drain() {
    await sink?.drain();
  },
  async shutdown() {
    const s = sink;
    sink = null;
    starting = null;
    await s?.stop();
  },
};

Comlink.expose(api);
