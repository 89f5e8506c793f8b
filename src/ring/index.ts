// SPSC rings of variable-length records over SharedArrayBuffer: main → validator worker (ticks)
// and worker → main (completions). See docs/ring.md.
export { Ring, recordBytes, type RecordHandler } from "./ring.ts";
export * as layout from "./layout.ts";
export { HAS_WAIT_ASYNC, FALLBACK_POLL_MS } from "./wake.ts";
