// Ring throughput: single-thread write+read cost per record, and records/s main → real Worker with
// batches published once and completions coming back on a second ring.
//   bun bench/ring.bench.ts            (or import { main } and await it)
// This file is also the Worker script for the cross-thread case (see the bottom).
import { isMainThread } from "node:worker_threads";
import { bench, do_not_optimize, group } from "mitata";
import { Ring, recordBytes } from "../src/ring/index.ts";
import { runStage, type StageResult } from "./lib/report.ts";

const RING_BYTES = 1 << 20;
const DONE_BYTES = 64 * 1024;
const BATCH = 256;
/** Records per timed cross-thread iteration. */
const CROSS_RECORDS = 1 << 20;

/** Tick-sized payloads (60–120 bytes, fixed seed) reused round-robin, so setup stays out of the loop. */
function payloads(count: number): Uint8Array[] {
  let s = 12345;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8);
  return Array.from({ length: count }, () => {
    const p = new Uint8Array(60 + (next() % 61));
    for (let i = 0; i < p.length; i++) p[i] = next() & 255;
    return p;
  });
}

let sink = 0;
const touch = (bytes: Uint8Array, offset: number, length: number) => {
  sink = (sink + bytes[offset]! + length) | 0;
};

function singleThread(): void {
  const pool = payloads(BATCH * 16);
  {
    bench("write + publish + drain, 1 record [1 record]", function* () {
      const sab = Ring.allocate(RING_BYTES);
      const producer = new Ring(sab);
      const consumer = new Ring(sab);
      let i = 0;
      yield () => {
        producer.write(pool[i++ & (pool.length - 1)]!);
        producer.publish();
        do_not_optimize(consumer.drain(touch));
      };
    });
    bench(`write ×${BATCH}, publish once, drain [${BATCH} record]`, function* () {
      const sab = Ring.allocate(RING_BYTES);
      const producer = new Ring(sab);
      const consumer = new Ring(sab);
      let i = 0;
      yield () => {
        for (let k = 0; k < BATCH; k++) producer.write(pool[i++ & (pool.length - 1)]!);
        producer.publish();
        do_not_optimize(consumer.drain(touch));
      };
    });
    bench(`write(scratch, start, end) ×${BATCH}, publish once, drain [${BATCH} record]`, function* () {
      // How the ingest path writes: slices of one reused scratch buffer.
      const scratch = new Uint8Array(BATCH * 128);
      const slices = pool.slice(0, BATCH);
      const starts = new Int32Array(BATCH + 1);
      for (let k = 0; k < BATCH; k++) {
        scratch.set(slices[k]!, starts[k]!);
        starts[k + 1] = starts[k]! + slices[k]!.length;
      }
      const sab = Ring.allocate(RING_BYTES);
      const producer = new Ring(sab);
      const consumer = new Ring(sab);
      yield () => {
        for (let k = 0; k < BATCH; k++) producer.write(scratch, starts[k]!, starts[k + 1]!);
        producer.publish();
        do_not_optimize(consumer.drain(touch));
      };
    });
  }
}

/** Main thread produces, a Worker drains; the main thread awaits completions when the ring is full. */
function crossThread(): void {
  const pool = payloads(BATCH * 16);
  const batchBytes = Array.from({ length: 16 }, (_, b) =>
    pool.slice(b * BATCH, (b + 1) * BATCH).reduce((sum, p) => sum + recordBytes(p.length), 0),
  );
  bench(`main → worker, batches of ${BATCH} published once, completions back [${CROSS_RECORDS} record]`, function* () {
    const sab = Ring.allocate(RING_BYTES);
    const doneSab = Ring.allocate(DONE_BYTES);
    const ring = new Ring(sab);
    const done = new Ring(doneSab);
    const worker = new Worker(import.meta.url);
    worker.postMessage({ sab, doneSab });
    let completed = 0;
    let sent = 0;
    const onDone = (bytes: Uint8Array, offset: number) => {
      completed += bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16);
    };
    let b = 0;
    yield async () => {
      const target = sent + CROSS_RECORDS;
      while (sent < target) {
        const first = (b & 15) * BATCH;
        if (!ring.canWrite(batchBytes[b & 15]!)) {
          done.drain(onDone);
          if (!ring.canWrite(batchBytes[b & 15]!)) await done.waitForDataAsync(100);
          continue;
        }
        for (let k = 0; k < BATCH; k++) ring.write(pool[first + k]!);
        ring.publish();
        sent += BATCH;
        b++;
      }
      // An iteration ends when the worker has taken every record.
      while (completed < sent) {
        done.drain(onDone);
        if (completed < sent) await done.waitForDataAsync(100);
      }
    };
    ring.write(new Uint8Array(0)); // empty record: the worker leaves its wait loop
    ring.publish();
    worker.terminate();
  });
}

export async function main(): Promise<StageResult> {
  group("ring, one thread", singleThread);
  group("ring, across threads", crossThread);
  return runStage("ring");
}

/** Worker side: drain, count, send a completion (count as 3 bytes) per drained batch. */
function consume(sab: SharedArrayBuffer, doneSab: SharedArrayBuffer): void {
  const ring = new Ring(sab);
  const done = new Ring(doneSab);
  const count = new Uint8Array(3);
  let stop = false;
  const handle = (bytes: Uint8Array, offset: number, length: number) => {
    if (length === 0) stop = true;
    else sink = (sink + bytes[offset]!) | 0;
  };
  while (!stop) {
    ring.waitForData(1_000);
    const n = ring.drain(handle, 0xffffff);
    if (n === 0) continue;
    count[0] = n & 255;
    count[1] = (n >> 8) & 255;
    count[2] = n >> 16;
    // The main thread drains completions whenever it waits, so this ring only fills briefly.
    while (!done.write(count)) Bun.sleepSync(1);
    done.publish();
  }
}

if (!isMainThread) {
  (globalThis as unknown as { onmessage: unknown }).onmessage = (e: MessageEvent<{ sab: SharedArrayBuffer; doneSab: SharedArrayBuffer }>) =>
    consume(e.data.sab, e.data.doneSab);
} else if (import.meta.main) {
  await main();
}
