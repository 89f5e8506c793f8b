// Single-thread behaviour of Ring: layout, full/empty boundary, wrap, batches, and randomised
// round trips. Producer and consumer are two Ring objects over the same SAB, as across threads.
import { describe, expect, test } from "bun:test";
import { Ring, recordBytes } from "../../src/ring/index.ts";
import { Rng, Sizes, SequenceVerifier, freeBytes, readOne, ringWithCanaries, takeOne, writeSeq } from "./util.ts";

function pair(capacity: number) {
  const sab = Ring.allocate(capacity);
  return { producer: new Ring(sab), consumer: new Ring(sab) };
}

/** Move both cursors of an empty ring from 0 to `offset` (a multiple of 4) by writing and reading records. */
function moveTo(producer: Ring, consumer: Ring, offset: number): void {
  for (let left = offset; left > 0; ) {
    const record = Math.min(left, (producer.capacity / 4) & -4);
    expect(producer.write(new Uint8Array(record - 4))).toBe(true);
    producer.publish();
    expect(readOne(consumer)!.length).toBe(record - 4);
    left -= record;
  }
}

describe("layout", () => {
  test("allocate and construct", () => {
    const sab = Ring.allocate(1024);
    expect(sab.byteLength).toBe(Ring.bytesFor(1024));
    const ring = new Ring(sab);
    expect(ring.capacity).toBe(1024);
    expect(ring.maxPayload).toBe(508);
    expect(ring.bytes.length).toBe(1024);
    expect(ring.usedBytes()).toBe(0);
    expect(freeBytes(ring)).toBe(1020);
  });

  test("rejects bad capacities and foreign memory", () => {
    expect(() => Ring.allocate(1022)).toThrow(RangeError);
    expect(() => Ring.allocate(32)).toThrow(RangeError);
    expect(() => new Ring(new SharedArrayBuffer(4096))).toThrow(/no ring/);
  });

  test("recordBytes: 4-byte header, 4-byte alignment", () => {
    expect([0, 1, 3, 4, 5, 8, 60, 121].map(recordBytes)).toEqual([4, 8, 8, 8, 12, 12, 64, 128]);
  });
});

describe("empty and full", () => {
  test("an empty ring yields nothing", () => {
    const { consumer } = pair(256);
    expect(consumer.available()).toBe(false);
    expect(consumer.drain(() => {})).toBe(0);
    expect(readOne(consumer)).toBeNull();
    expect(consumer.usedBytes()).toBe(0);
  });

  test("writes are invisible until publish", () => {
    const { producer, consumer } = pair(256);
    expect(producer.write(new Uint8Array([1, 2, 3]))).toBe(true);
    expect(consumer.available()).toBe(false);
    expect(producer.usedBytes()).toBe(0);
    producer.publish();
    expect(consumer.available()).toBe(true);
    expect(Array.from(readOne(consumer)!)).toEqual([1, 2, 3]);
  });

  test("fill to capacity - 4 bytes at every starting offset; one more record fails", () => {
    const capacity = 256;
    for (let start = 0; start < capacity; start += 4) {
      const { producer, consumer } = pair(capacity);
      moveTo(producer, consumer, start);
      const rng = new Rng(start + 1);
      let seq = 0;
      // Random records while there is plenty of room, then top up with exact-size ones.
      // (Each write is published at once so that freeBytes, which reads the shared offsets, sees it.)
      for (;;) {
        const free = freeBytes(producer);
        if (free < 40) break;
        expect(writeSeq(producer, seq++, rng.int(24))).toBe(true);
        producer.publish();
      }
      for (let guard = 0; freeBytes(producer) > 0 && guard < 100; guard++) {
        const free = freeBytes(producer);
        // After the tail the largest record that fits is the front room; fall back to 0-length.
        const len = Math.min(free - 4, 12);
        if (!writeSeq(producer, seq++, len)) {
          seq--;
          expect(writeSeq(producer, seq++, 0)).toBe(true);
        }
        producer.publish();
      }
      // Full: only the ALIGN bytes that keep "full" apart from "empty" are left.
      expect(freeBytes(producer)).toBe(0);
      expect(producer.canWrite(4)).toBe(false);
      expect(producer.write(new Uint8Array(0))).toBe(false);
      producer.publish();
      expect(consumer.usedBytes()).toBe(capacity - 4);
      // Reading one record frees its bytes (and a PAD'ed tail before it, if any);
      // 4-byte (empty) records always fit while any bytes are free.
      const first = takeOne(consumer)!;
      const freed = freeBytes(producer);
      const firstBytes = recordBytes(first.bytes.length);
      expect(freed === firstBytes || (first.offset === 4 && freed > firstBytes)).toBe(true);
      for (let left = freed; left > 0; left -= 4) expect(producer.write(new Uint8Array(0))).toBe(true);
      expect(producer.write(new Uint8Array(0))).toBe(false);
      producer.publish();
      expect(freeBytes(producer)).toBe(0);
    }
  });

  test.each([128, 132, 1340])("a maxPayload record fits an empty ring of %d at any offset; larger ones throw", (capacity) => {
    for (let start = 0; start < capacity; start += 4) {
      const { producer, consumer } = pair(capacity);
      moveTo(producer, consumer, start);
      const big = new Uint8Array(producer.maxPayload).fill(7);
      expect(producer.write(big)).toBe(true);
      producer.publish();
      expect(readOne(consumer)).toEqual(big);
      expect(() => producer.write(new Uint8Array(producer.maxPayload + 1))).toThrow(RangeError);
    }
  });
});

describe("wrap", () => {
  test("a record that doesn't fit the tail goes to offset 0 behind a PAD marker", () => {
    const { producer, consumer } = pair(256);
    moveTo(producer, consumer, 200); // tail is 56 bytes
    expect(producer.write(new Uint8Array(60).fill(1))).toBe(true); // 64 bytes: wraps
    expect(producer.write(new Uint8Array(8).fill(2))).toBe(true);
    producer.publish();
    // The skipped tail counts as used until the consumer passes the PAD.
    expect(consumer.usedBytes()).toBe(56 + 64 + 12);
    const wrapped = takeOne(consumer)!;
    expect(wrapped.offset).toBe(4); // payload right after offset 0's header
    expect(wrapped.bytes.length).toBe(60);
    expect(wrapped.bytes.every((b) => b === 1)).toBe(true);
    expect(Array.from(readOne(consumer)!)).toEqual(new Array(8).fill(2));
    expect(consumer.usedBytes()).toBe(0);
  });

  test("filling the tail exactly moves WRITE to 0", () => {
    const { producer, consumer } = pair(256);
    moveTo(producer, consumer, 200);
    expect(producer.write(new Uint8Array(52))).toBe(true); // 56 bytes: ends at 256 → 0
    producer.publish();
    expect(consumer.usedBytes()).toBe(56);
    expect(readOne(consumer)!.length).toBe(52);
    expect(consumer.usedBytes()).toBe(0);
  });
});

describe("batches", () => {
  test("canWrite says yes only when every record of the batch will be written", () => {
    const rng = new Rng(42);
    for (let trial = 0; trial < 20_000; trial++) {
      const capacity = 64 + 4 * rng.int(64);
      const { producer, consumer } = pair(capacity);
      moveTo(producer, consumer, 4 * rng.int(capacity / 4));
      // Some records left in the ring, some room used.
      for (let i = rng.int(4); i > 0; i--) producer.write(new Uint8Array(rng.int(producer.maxPayload / 2)));
      producer.publish();
      const sizes = Array.from({ length: 1 + rng.int(6) }, () => rng.int(producer.maxPayload / 2));
      const total = sizes.reduce((sum, n) => sum + recordBytes(n), 0);
      const free = freeBytes(producer);
      const yes = producer.canWrite(total);
      if (total > free) expect(yes).toBe(false);
      if (yes) for (const n of sizes) expect(producer.write(new Uint8Array(n))).toBe(true);
    }
  });

  test("canWrite: exact without a wrap, assumes the whole tail is lost with one", () => {
    const { producer, consumer } = pair(1024);
    expect(producer.canWrite(1020)).toBe(true); // empty at 0: everything but the ALIGN gap
    expect(producer.canWrite(1024)).toBe(false);
    moveTo(producer, consumer, 100); // empty at 100: tail 924 bytes, front 100
    expect(freeBytes(producer)).toBe(1020);
    expect(producer.canWrite(924)).toBe(true); // fills the tail exactly
    // Might fit by splitting around the end, but that depends on the record sizes: refused.
    expect(producer.canWrite(928)).toBe(false);
    expect(producer.canWrite(96)).toBe(true);
  });

  test("write copies payload[start, end) for short and long slices", () => {
    const { producer, consumer } = pair(1024);
    const a = Uint8Array.from({ length: 300 }, (_, i) => i & 255);
    const b = Uint8Array.from({ length: 400 }, (_, i) => (i * 13) & 255).subarray(3); // byteOffset 3
    for (const source of [a, b, a]) {
      for (const [start, end] of [[5, 9], [0, 48], [1, 50], [10, 210], [7, 7], [0, 300]] as const) {
        expect(producer.write(source, start, end)).toBe(true);
        producer.publish();
        expect(readOne(consumer)).toEqual(source.slice(start, end));
      }
    }
  });

  test("reserve/commit write in place", () => {
    const { producer, consumer } = pair(256);
    const at = producer.reserve(40);
    expect(at).toBeGreaterThanOrEqual(4);
    producer.bytes.set([9, 8, 7], at);
    producer.commit(3); // shorter than reserved: only 3 bytes are the record
    expect(() => producer.commit(1)).toThrow(RangeError); // nothing reserved any more
    const next = producer.reserve(10);
    expect(next).toBe(at + 8); // right after the 3-byte record (4-byte header, padded to 4)
    producer.bytes[next] = 5;
    producer.commit(1);
    producer.publish();
    expect(Array.from(readOne(consumer)!)).toEqual([9, 8, 7]);
    expect(Array.from(readOne(consumer)!)).toEqual([5]);
  });

  test("drain hands records in order and releases once; a throwing handler keeps its record", () => {
    const { producer, consumer } = pair(256);
    for (let seq = 0; seq < 5; seq++) writeSeq(producer, seq, 8);
    producer.publish();
    const seen: number[] = [];
    expect(() =>
      consumer.drain((bytes, offset) => {
        if (bytes[offset] === 3) throw new Error("boom");
        seen.push(bytes[offset]!);
      }),
    ).toThrow("boom");
    expect(seen).toEqual([0, 1, 2]);
    expect(consumer.usedBytes()).toBe(2 * 12);
    expect(consumer.drain((bytes, offset) => seen.push(bytes[offset]!), 1)).toBe(1);
    expect(consumer.drain((bytes, offset) => seen.push(bytes[offset]!))).toBe(1);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  test("a Ring built later over the same memory picks up both cursors", () => {
    const sab = Ring.allocate(256);
    const producer = new Ring(sab);
    writeSeq(producer, 0, 100);
    writeSeq(producer, 1, 100);
    producer.publish();
    expect(readOne(new Ring(sab))!.length).toBe(100);
    const consumer = new Ring(sab);
    expect(readOne(consumer)![0]).toBe(1);
    expect(freeBytes(new Ring(sab))).toBe(252);
    // A later producer writes on from the published WRITE, a later consumer reads from READ.
    const laterProducer = new Ring(sab);
    expect(writeSeq(laterProducer, 2, 100)).toBe(true);
    laterProducer.publish();
    expect(readOne(new Ring(sab))![0]).toBe(2);
  });
});

describe("randomised round trips (ringbuf.js style)", () => {
  test("random capacities, sizes and interleavings; 100 trips each; canaries intact", () => {
    const rng = new Rng(0xc0ffee);
    for (let iteration = 0; iteration < 40; iteration++) {
      const capacity = 4 * rng.range(16, 4096);
      const { sab, offset, canariesIntact } = ringWithCanaries(capacity);
      const producer = new Ring(sab, offset);
      const consumer = new Ring(sab, offset);
      const seed = rng.next();
      const mode = iteration % 2 === 0 ? "uniform" : "ticks";
      const sizes = new Sizes(seed, producer.maxPayload, mode);
      const verifier = new SequenceVerifier(seed, producer.maxPayload, mode);
      let seq = 0;
      let pending = -1;
      let moved = 0;
      const check = verifier.check.bind(verifier);
      while (moved < capacity * 100) {
        // Producer: a random batch, published once.
        for (let k = rng.int(8); k > 0; k--) {
          if (pending < 0) pending = sizes.next();
          if (!writeSeq(producer, seq, pending)) break;
          moved += recordBytes(pending);
          seq++;
          pending = -1;
        }
        producer.publish();
        // Consumer: a bounded drain (sometimes of nothing), one record at a time, or everything.
        const how = rng.int(3);
        if (how === 0) consumer.drain(check, rng.int(8));
        else if (how === 1) consumer.drain(check, 1);
        else consumer.drain(check);
      }
      consumer.drain(check);
      expect(verifier.firstError).toBe("");
      expect(verifier.seq).toBe(seq);
      expect(consumer.usedBytes()).toBe(0);
      expect(canariesIntact()).toBe(true);
    }
  });
});

describe("waiting", () => {
  test("waitForData refuses to block the main thread", () => {
    const { consumer } = pair(256);
    expect(() => consumer.waitForData(0)).toThrow(/main thread/);
  });

  test("waitForDataAsync resolves at once with data, or after the timeout without", async () => {
    const { producer, consumer } = pair(256);
    const t0 = performance.now();
    expect(await consumer.waitForDataAsync(30)).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    producer.write(new Uint8Array(1));
    producer.publish();
    expect(await consumer.waitForDataAsync(10_000)).toBe(true);
  });

  test("waitForDataAsync is woken by a publish on the same thread", async () => {
    const { producer, consumer } = pair(256);
    const keepAlive = setTimeout(() => {}, 10_000); // a pending waitAsync alone doesn't hold the loop
    setTimeout(() => {
      producer.write(new Uint8Array(1));
      producer.publish();
    }, 20);
    const t0 = performance.now();
    expect(await consumer.waitForDataAsync(10_000)).toBe(true);
    expect(performance.now() - t0).toBeLessThan(2_000);
    clearTimeout(keepAlive);
  });
});
