// What src/main.ts runs for ROLE=all (the sink as a worker thread) and ROLE=sink (inline).
export { startSinkHost, type SinkHost } from "./sink/host.ts";
