// Stage: route + enqueue on the main thread — routing key, hash, MessagePack record, copy into the
// owning worker's ring, publish — per tick, for batches of 500 over 2 rings drained in-thread.
//   bun bench/enqueue.bench.ts
import { bench, group } from "mitata";
import { Enqueuer } from "../src/ingest/enqueue.ts";
import { Ring } from "../src/ring/index.ts";
import { tickStream } from "./lib/tick-gen.ts";
import { runStage, type StageResult } from "./lib/report.ts";

const BATCH = 500;
const WORKERS = 2;

export async function main(): Promise<StageResult> {
  const batches = Array.from({ length: 16 }, (_, i) => tickStream({ seed: i + 1, symbols: 200 }).batch(BATCH).map((s) => s.tick));
  const sabs = Array.from({ length: WORKERS }, () => Ring.allocate(1 << 22));
  const rings = sabs.map((sab) => new Ring(sab));
  const consumers = sabs.map((sab) => new Ring(sab));
  const q = new Enqueuer(WORKERS, 1 << 20);
  let drained = 0;
  const count = () => void drained++;

  group("route + enqueue", () => {
    bench(`encode + route + write + publish, batch of ${BATCH} [${BATCH} tick]`, function* () {
      let b = 0;
      yield () => {
        q.encode(1, batches[b++ & 15], 0, 1.7e15);
        for (let w = 0; w < WORKERS; w++) if (!rings[w].canWrite(q.need[w])) throw new Error("ring full");
        q.write(rings);
        // The consumers' side, so the rings never fill: a cheap drain that only counts.
        for (const c of consumers) c.drain(count);
      };
    });
  });
  const result = await runStage("route + enqueue");
  if (drained === 0) throw new Error("nothing was enqueued");
  return result;
}

if (import.meta.main) await main();
