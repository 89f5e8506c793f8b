// `bun src/sink/cli.ts`: the sink alone, configured from the environment (the same variables as
// tickgate). Used by the multi-process and kill -9 tests; ROLE=sink in src/main.ts does the same.
// On SIGTERM/SIGINT it drains, commits, logs one "sink stopped" line with its stats and exits 0.
import { loadConfig } from "../config.ts";
import { log } from "../log.ts";
import { startSink } from "./index.ts";

const config = loadConfig();
const sink = await startSink(config);
log.info("sink started", { group: config.SINK_GROUP, topic: `${config.TOPIC_PREFIX}.valid`, table: config.SINK_TABLE, pid: process.pid });

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info("sink draining", { signal });
  await sink.stop();
  const { histograms: _h, ...stats } = sink.stats();
  log.info("sink stopped", { stats });
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
