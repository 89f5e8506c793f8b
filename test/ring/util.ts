// Test helpers in the manner of ringbuf.js tests/test-utils.mjs: a seeded PRNG, record sizes and
// contents derived from (seed, sequence number) so that both threads agree without talking,
// a verifier that catches loss, duplication and reordering, and canary bytes around a ring.
import { Ring } from "../../src/ring/index.ts";

/** mulberry32: small, fast, seeded; returns uint32s. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return this.next() % n;
  }
  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + (this.next() % (hi - lo + 1));
  }
}

/** Size mixes: "uniform" 0..max (forces wraps and fullness), "ticks" ~60–120 B with rare outliers. */
export type SizeMode = "uniform" | "ticks";

/** The payload sizes of a record stream; producer and verifier build one each from the same seed. */
export class Sizes {
  private rng: Rng;
  constructor(seed: number, private readonly max: number, private readonly mode: SizeMode) {
    this.rng = new Rng(seed);
  }
  next(): number {
    const r = this.rng.next();
    if (this.mode === "uniform") return r % (this.max + 1);
    const pick = r % 10_000;
    if (pick === 0) return this.rng.range(this.max >> 2, this.max); // > capacity/8: forces a wrap
    if (pick < 50) return 0;
    if (pick < 1_000) return this.rng.range(1, 59);
    return this.rng.range(60, 120);
  }
}

/** Payload of record `seq`: its sequence number little-endian in the first 4 bytes, then a pattern. */
export function fillRecord(bytes: Uint8Array, offset: number, seq: number, length: number): void {
  const head = length < 4 ? length : 4;
  for (let i = 0; i < head; i++) bytes[offset + i] = (seq >>> (i << 3)) & 255;
  const k = (seq * 7) & 255;
  for (let i = 4; i < length; i++) bytes[offset + i] = (k + i) & 255;
}

/** First byte index where the payload differs from record `seq`'s, or -1 if it matches. */
export function checkRecord(bytes: Uint8Array, offset: number, seq: number, length: number): number {
  const head = length < 4 ? length : 4;
  for (let i = 0; i < head; i++) if (bytes[offset + i] !== ((seq >>> (i << 3)) & 255)) return i;
  const k = (seq * 7) & 255;
  for (let i = 4; i < length; i++) if (bytes[offset + i] !== ((k + i) & 255)) return i;
  return -1;
}

/**
 * Checks that records arrive as seq 0, 1, 2, … with the lengths and contents the producer made.
 * A lost, repeated or swapped record shows as a length or content mismatch at its position.
 */
export class SequenceVerifier {
  seq = 0;
  errors = 0;
  firstError = "";
  private sizes: Sizes;
  constructor(seed: number, max: number, mode: SizeMode) {
    this.sizes = new Sizes(seed, max, mode);
  }
  check(bytes: Uint8Array, offset: number, length: number): void {
    const seq = this.seq++;
    const want = this.sizes.next();
    if (length !== want) return this.fail(`record ${seq}: length ${length}, expected ${want}`);
    const at = checkRecord(bytes, offset, seq, length);
    if (at >= 0) this.fail(`record ${seq}: byte ${at} of ${length} is ${bytes[offset + at]}`);
  }
  private fail(message: string): void {
    if (this.errors++ === 0) this.firstError = message;
  }
}

export const CANARY_BYTES = 64;

/** A ring laid out inside a larger SAB with canary bytes before and after it. */
export function ringWithCanaries(capacity: number): { sab: SharedArrayBuffer; offset: number; canariesIntact(): boolean } {
  const offset = CANARY_BYTES;
  const total = offset + Ring.bytesFor(capacity) + CANARY_BYTES;
  const sab = new SharedArrayBuffer(total);
  const all = new Uint8Array(sab);
  const canary = (i: number) => (0xa5 ^ i) & 255;
  for (let i = 0; i < CANARY_BYTES; i++) {
    all[i] = canary(i);
    all[total - 1 - i] = canary(i);
  }
  Ring.init(sab, offset, capacity);
  return {
    sab,
    offset,
    canariesIntact() {
      for (let i = 0; i < CANARY_BYTES; i++) {
        if (all[i] !== canary(i) || all[total - 1 - i] !== canary(i)) return false;
      }
      return true;
    },
  };
}

// ---------------------------------------------------------------- reading and writing one record
// The production API writes with write/reserve+commit and reads with drain; these helpers build the
// one-record conveniences the tests want on top of it (they allocate, which production code must not).

/** Write record `seq` of `length` bytes in place (reserve, fill, commit); false if no room. Not published. */
export function writeSeq(ring: Ring, seq: number, length: number): boolean {
  const at = ring.reserve(length);
  if (at < 0) return false;
  fillRecord(ring.bytes, at, seq, length);
  ring.commit(length);
  return true;
}

/** The next record, copied, with the offset in `ring.bytes` its payload had; null if the ring is empty. Releases it. */
export function takeOne(ring: Ring): { offset: number; bytes: Uint8Array } | null {
  let taken: { offset: number; bytes: Uint8Array } | null = null;
  ring.drain((bytes, offset, length) => {
    taken = { offset, bytes: bytes.slice(offset, offset + length) };
  }, 1);
  return taken;
}

/** The next record's payload, copied and released; null if the ring is empty. */
export function readOne(ring: Ring): Uint8Array | null {
  return takeOne(ring)?.bytes ?? null;
}

/**
 * Bytes free for records (what a producer could still write, `capacity - 4 - used`), read from the
 * shared offsets: counts published records only, so publish before asking.
 */
export function freeBytes(ring: Ring): number {
  return ring.capacity - 4 - ring.usedBytes();
}
