// SPSC rings of variable-length records over SharedArrayBuffer: main → validator worker (ticks)
// and worker → main (completions). See docs/ring.md.
export { Ring, type RecordHandler } from "./ring.ts";
export { recordBytes } from "./room.ts";
