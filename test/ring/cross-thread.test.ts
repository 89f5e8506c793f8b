// Ring across a real Worker: the main thread produces (never blocking: it awaits the completion
// ring when the tick ring is full), the worker verifies every record and sends completions back.
import { afterAll, describe, expect, test } from "bun:test";
import { Ring, recordBytes } from "../../src/ring/index.ts";
import { Rng, Sizes, fillRecord, readOne, ringWithCanaries, type SizeMode } from "./util.ts";
import type { EchoJob, JobResult, VerifyJob } from "./worker.ts";

const workers: Worker[] = [];
afterAll(() => workers.forEach((w) => w.terminate()));

function startWorker(): Worker {
  const worker = new Worker(new URL("./worker.ts", import.meta.url).href);
  workers.push(worker);
  return worker;
}

function result(worker: Worker): Promise<JobResult> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (e) => resolve(e.data as JobResult);
    worker.onerror = (e) => reject(e);
  });
}

interface RunOptions {
  capacity: number;
  count: number;
  mode: SizeMode;
  seed: number;
  /** Most records per published batch. */
  batch: number;
}

async function pushThroughWorker(o: RunOptions) {
  const { sab, offset, canariesIntact } = ringWithCanaries(o.capacity);
  const ring = new Ring(sab, offset);
  const doneSab = Ring.allocate(64 * 1024);
  const done = new Ring(doneSab);
  const worker = startWorker();
  const finished = result(worker);
  const job: VerifyJob = { kind: "verify", ring: sab, ringOffset: offset, done: doneSab, seed: o.seed, count: o.count, mode: o.mode };
  worker.postMessage(job);

  const sizes = new Sizes(o.seed, ring.maxPayload, o.mode);
  const rng = new Rng(o.seed ^ 0x5a5a);
  const batchSizes = new Int32Array(o.batch);
  // A batch never exceeds capacity/2 so that it always fits an empty ring eventually.
  const batchLimit = (o.capacity / 2) & -4;
  let seq = 0;
  let next = sizes.next();
  let completed = 0;
  let completionErrors = 0;
  let refusals = 0;
  const onCompletion = (bytes: Uint8Array, at: number) => {
    const words = new Int32Array(bytes.buffer, bytes.byteOffset + at, 3); // allocates: test only
    if (words[0] !== completed) completionErrors++;
    completed += words[1]!;
  };

  while (seq < o.count) {
    // Plan a batch, ask once whether all of it fits, then write all of it or none.
    let k = 0;
    let total = 0;
    const want = 1 + rng.int(o.batch);
    while (k < want && seq + k < o.count && total + recordBytes(next) <= batchLimit) {
      batchSizes[k++] = next;
      total += recordBytes(next);
      next = sizes.next();
    }
    if (k === 0) throw new Error(`record ${seq} of ${next} bytes can never fit a batch`);
    while (!ring.canWrite(total)) {
      refusals++;
      done.drain(onCompletion);
      if (!ring.canWrite(total)) await done.waitForDataAsync(1_000);
    }
    for (let i = 0; i < k; i++, seq++) {
      const length = batchSizes[i]!;
      const at = ring.reserve(length);
      if (at < 0) throw new Error(`canWrite said yes but record ${seq} did not fit`);
      fillRecord(ring.bytes, at, seq, length);
      ring.commit(length);
    }
    ring.publish();
    done.drain(onCompletion);
  }
  while (completed < o.count) {
    done.drain(onCompletion);
    if (completed < o.count) await done.waitForDataAsync(1_000);
  }
  const r = await finished;
  return { ...r, completed, completionErrors, refusals, canaries: canariesIntact(), used: ring.usedBytes() };
}

describe("across a real Worker", () => {
  test("wraps under concurrency: small ring, sizes up to maxPayload", async () => {
    for (const [i, capacity] of [256, 1024, 4096, 4 * 1337].entries()) {
      const t0 = performance.now();
      const r = await pushThroughWorker({ capacity, count: 50_000, mode: "uniform", seed: 1000 + i, batch: 16 });
      console.log(`capacity ${capacity}: ${(performance.now() - t0).toFixed(0)} ms, ${r.refusals} full-ring waits`);
      expect(r.firstError).toBe("");
      expect(r).toMatchObject({ received: 50_000, completed: 50_000, errors: 0, completionErrors: 0, canaries: true, used: 0 });
    }
  }, 60_000);

  test("10M tick-sized records, no loss, duplication or reordering", async () => {
    const count = 10_000_000;
    const t0 = performance.now();
    const r = await pushThroughWorker({ capacity: 64 * 1024, count, mode: "ticks", seed: 0xdecaf, batch: 256 });
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `10M records: ${seconds.toFixed(1)} s (${(count / seconds / 1e6).toFixed(2)} M/s incl. generate+verify), ` +
        `${r.refusals} full-ring waits, worker slept ${r.sleeps} times`,
    );
    expect(r.firstError).toBe("");
    expect(r).toMatchObject({ received: count, completed: count, errors: 0, completionErrors: 0, canaries: true, used: 0 });
  }, 120_000);

  test("a sleeping worker is woken by publish, and its reply wakes the main thread", async () => {
    const ring = Ring.allocate(1024);
    const doneSab = Ring.allocate(1024);
    const producer = new Ring(ring);
    const replies = new Ring(doneSab);
    const worker = startWorker();
    const finished = result(worker);
    const rounds = 20;
    worker.postMessage({ kind: "echo", ring, done: doneSab, count: rounds } satisfies EchoJob);
    let worst = 0;
    for (let i = 0; i < rounds; i++) {
      // Give the worker time to fall asleep (30 s timeout), so only a notify can wake it in time.
      await Bun.sleep(5);
      const t0 = performance.now();
      producer.write(new Uint8Array([i, 1, 2, 3, 4]));
      producer.publish();
      while (!(await replies.waitForDataAsync(30_000)));
      worst = Math.max(worst, performance.now() - t0);
      expect(Array.from(readOne(replies)!)).toEqual([i, 1, 2, 3, 4]);
    }
    expect((await finished).received).toBe(rounds);
    console.log(`wake round trip: worst ${worst.toFixed(2)} ms over ${rounds}`);
    expect(worst).toBeLessThan(1_000);
  });
});
