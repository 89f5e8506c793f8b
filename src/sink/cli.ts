// `bun src/sink/cli.ts`: the sink alone, configured from the environment (the same variables as
// tickgate). Used by the multi-process and kill -9 tests; ROLE=sink in src/main.ts does the same.
// On SIGTERM/SIGINT it drains, commits, prints one `[sink] stats {json}` line and exits 0.
import { loadConfig } from "../config.ts";
import { startSink } from "./index.ts";

const config = loadConfig();
const sink = await startSink(config);
console.log(`[sink] started: group ${config.SINK_GROUP}, topic ${config.TOPIC_PREFIX}.valid, table ${config.SINK_TABLE}, pid ${process.pid}`);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`[sink] ${signal}: draining`);
  await sink.stop();
  const s = sink.stats();
  const { histograms: _h, ...rest } = s;
  console.log(`[sink] stats ${JSON.stringify(rest)}`);
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
