import { isMainThread } from "node:worker_threads";
import {
  ALIGN, CAPACITY, HEADER_BYTES, HEADER_SLOTS, MAGIC, MIN_CAPACITY, PAD, READ,
  RECORD_HEADER_BYTES, RING_MAGIC, WRITE,
} from "./layout.ts";
import { sleepWhile, sleepWhileAsync, wakeConsumer } from "./wake.ts";

/** Called by `drain` for each record; the bytes are valid only during the call. */
export type RecordHandler = (bytes: Uint8Array, offset: number, length: number) => void;

/**
 * Up to this many bytes, `write(payload, start, end)` copies a word at a time (DataView over the
 * source, Int32Array over the ring) instead of subarray()+set(): no view allocated per record and,
 * measured on Bun 1.4.4 with 60–120 byte slices, ~45–55 vs ~60–80 ns per record written+drained.
 * Int32 rather than Float64 words: a double could have its NaN bits canonicalised on the way.
 */
const WORD_COPY_MAX = 256;
/** The word copy reads little-endian and stores in platform order; every Bun target is LE. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Result of fitting `n` record bytes at the write offset. */
const NO_ROOM = 0;
const FITS = 1;
const FITS_AFTER_WRAP = 2;

/** Bytes a record with `payloadLength` payload bytes takes in the ring: header + payload, aligned. */
export function recordBytes(payloadLength: number): number {
  return (RECORD_HEADER_BYTES + payloadLength + ALIGN - 1) & -ALIGN;
}

/**
 * A single-producer single-consumer ring of variable-length byte records over a SharedArrayBuffer.
 *
 * Exactly one thread produces (reserve/commit/write/publish) and exactly one thread consumes
 * (peek/release/drain/read/wait*). Each thread builds its own `Ring` over the shared memory
 * (post the SAB to the Worker); the producer and consumer keep their cursors in the object, so
 * neither role can move to another thread or object without external synchronisation.
 *
 * Rules:
 * - Empty: WRITE == READ. Full: a record fits only if it leaves at least ALIGN bytes unused, so a
 *   full ring never looks empty (the "one slot left empty" rule, in bytes).
 * - Records never wrap. A record that doesn't fit in the tail is written at offset 0 and a PAD
 *   length header left at the old offset tells the consumer to skip the tail.
 * - Writes are invisible to the consumer until `publish()`, which stores WRITE once for the whole
 *   batch (after the record bytes: the store is the release) and wakes a sleeping consumer.
 * - `maxPayload` (capacity/2 rounded down to 4, minus 4) is the largest payload that fits in an
 *   empty ring whatever the offsets, so a lone writer of legal records never deadlocks.
 */
export class Ring {
  /** Bytes of the data region. */
  readonly capacity: number;
  /** Largest payload `write`/`reserve` accept. */
  readonly maxPayload: number;
  /** The data region; payloads live at the offsets that `reserve`/`peekLength`/`drain` give. */
  readonly bytes: Uint8Array;
  private readonly words: Int32Array;
  private readonly header: Int32Array;
  private sourceBuffer: ArrayBufferLike | null = null;
  private sourceView: DataView = new DataView(new ArrayBuffer(0));

  // Producer's cursor: wpos runs ahead of the published WRITE until publish().
  private wpos: number;
  private published: number;
  /** Last READ the producer loaded; stale values only under-report room, so reload on demand. */
  private readCache: number;
  private reservedMax = -1;

  // Consumer's cursor: rpos runs ahead of the released READ within peek/release and drain.
  private rpos: number;
  /** Last WRITE the consumer loaded; reloaded only when the consumer catches up with it. */
  private writeCache: number;
  private peekEnd = -1;
  /** Offset in `bytes` of the payload found by the last `peekLength()`. */
  peekOffset = 0;

  /** Bytes a SAB region must have to hold a ring whose data region is `capacity` bytes. */
  static bytesFor(capacity: number): number {
    return HEADER_BYTES + capacity;
  }

  /** A new SAB holding an empty ring of `capacity` data bytes (a multiple of 4, at least 64). */
  static allocate(capacity: number): SharedArrayBuffer {
    const sab = new SharedArrayBuffer(Ring.bytesFor(capacity));
    Ring.init(sab, 0, capacity);
    return sab;
  }

  /** Lay out an empty ring at `byteOffset` of an existing SAB (e.g. to put canaries around it). */
  static init(sab: SharedArrayBuffer, byteOffset: number, capacity: number): void {
    if (capacity % ALIGN !== 0 || capacity < MIN_CAPACITY || capacity > 2 ** 30) {
      throw new RangeError(`ring capacity must be a multiple of ${ALIGN} in [${MIN_CAPACITY}, 2^30], got ${capacity}`);
    }
    if (byteOffset % ALIGN !== 0 || byteOffset + Ring.bytesFor(capacity) > sab.byteLength) {
      throw new RangeError(`ring of ${capacity} bytes does not fit at offset ${byteOffset}`);
    }
    const header = new Int32Array(sab, byteOffset, HEADER_SLOTS);
    header.fill(0);
    header[CAPACITY] = capacity;
    Atomics.store(header, MAGIC, RING_MAGIC);
  }

  constructor(sab: SharedArrayBuffer, byteOffset = 0) {
    const header = new Int32Array(sab, byteOffset, HEADER_SLOTS);
    if (Atomics.load(header, MAGIC) !== RING_MAGIC) {
      throw new Error(`no ring at offset ${byteOffset}: use Ring.allocate or Ring.init first`);
    }
    const capacity = header[CAPACITY]!;
    this.header = header;
    this.capacity = capacity;
    // A record of at most half the ring (rounded down to ALIGN) fits an empty ring at any offset:
    // either in the tail, or, when the tail is shorter, in front of the read offset.
    this.maxPayload = ((capacity >> 1) & -ALIGN) - RECORD_HEADER_BYTES;
    this.bytes = new Uint8Array(sab, byteOffset + HEADER_BYTES, capacity);
    this.words = new Int32Array(sab, byteOffset + HEADER_BYTES, capacity / 4);
    this.wpos = this.published = this.writeCache = Atomics.load(header, WRITE);
    this.rpos = this.readCache = Atomics.load(header, READ);
  }

  // ---------------------------------------------------------------- producer

  /** Bytes a record of `payloadLength` occupies (header + payload + alignment). Sum these for `canWrite`. */
  recordBytes(payloadLength: number): number {
    return recordBytes(payloadLength);
  }

  /** Bytes free for records right now, counting this producer's unpublished writes as used. */
  freeBytes(): number {
    const rd = (this.readCache = Atomics.load(this.header, READ));
    const used = this.wpos - rd;
    return this.capacity - ALIGN - (used >= 0 ? used : used + this.capacity);
  }

  /**
   * Will a batch of records whose `recordBytes` sum to `totalRecordBytes` all fit, written in
   * order from the current write offset? Conservative: it assumes a batch that needs to wrap
   * wastes the whole tail. Only the consumer changes READ, and only forward, so a `true` stays
   * true until this producer writes: check once, then write the whole batch (or none of it).
   */
  canWrite(totalRecordBytes: number): boolean {
    const n = (totalRecordBytes + ALIGN - 1) & -ALIGN;
    this.readCache = Atomics.load(this.header, READ);
    return this.fit(n, this.wpos, this.readCache) !== NO_ROOM;
  }

  /**
   * Zero-copy write, step 1: make room for a payload of up to `maxLength` bytes and return the
   * offset in `bytes` to write it at, or -1 if there is no room now. Finish with `commit`.
   * Throws RangeError if `maxLength` > `maxPayload`.
   */
  reserve(maxLength: number): number {
    if (!(maxLength >= 0 && maxLength <= this.maxPayload)) {
      throw new RangeError(`record payload of ${maxLength} bytes exceeds ring maximum ${this.maxPayload}`);
    }
    const n = recordBytes(maxLength);
    let wr = this.wpos;
    let fit = this.fit(n, wr, this.readCache);
    if (fit === NO_ROOM) {
      // The cached READ is stale at worst; look at the real one before refusing.
      this.readCache = Atomics.load(this.header, READ);
      fit = this.fit(n, wr, this.readCache);
      if (fit === NO_ROOM) return -1;
    }
    if (fit === FITS_AFTER_WRAP) {
      this.words[wr >> 2] = PAD;
      wr = this.wpos = 0;
    }
    this.reservedMax = maxLength;
    return wr + RECORD_HEADER_BYTES;
  }

  /** Zero-copy write, step 2: the reserved payload holds `length` (<= reserved) bytes. Not yet published. */
  commit(length: number): void {
    if (!(length >= 0 && length <= this.reservedMax)) {
      throw new RangeError(`commit(${length}) without a reserve of at least that many bytes`);
    }
    const wr = this.wpos;
    this.words[wr >> 2] = length;
    const next = wr + recordBytes(length);
    this.wpos = next === this.capacity ? 0 : next;
    this.reservedMax = -1;
  }

  /** Copy `payload[start, end)` in as one record; false (nothing written) if no room. Not yet published. */
  write(payload: Uint8Array, start = 0, end = payload.length): boolean {
    const length = end - start;
    const at = this.reserve(length);
    if (at < 0) return false;
    const bytes = this.bytes;
    if (start === 0 && end === payload.length) {
      bytes.set(payload, at);
    } else if (length <= WORD_COPY_MAX && LITTLE_ENDIAN) {
      this.copySlice(payload, start, length, at);
    } else {
      bytes.set(payload.subarray(start, end), at); // allocates a view
    }
    this.commit(length);
    return true;
  }

  /**
   * Zero-copy write of one record: `fill(bytes, offset)` writes the payload at `bytes[offset...]`
   * and returns its length (<= `maxLength`; nothing returned means `maxLength`). False if no room.
   * Allocates nothing itself; a closure created per call would.
   */
  writeWith(maxLength: number, fill: (bytes: Uint8Array, offset: number) => number | void): boolean {
    const at = this.reserve(maxLength);
    if (at < 0) return false;
    const length = fill(this.bytes, at);
    this.commit(typeof length === "number" ? length : maxLength);
    return true;
  }

  /** Copy `length` bytes of `payload` from `start` to `bytes[at]`, 4 at a time. */
  private copySlice(payload: Uint8Array, start: number, length: number, at: number): void {
    // One DataView per source buffer (a reused scratch buffer costs one allocation, ever).
    if (payload.buffer !== this.sourceBuffer) {
      this.sourceBuffer = payload.buffer;
      this.sourceView = new DataView(payload.buffer);
    }
    const from = this.sourceView;
    const words = this.words;
    const base = payload.byteOffset + start;
    let i = 0;
    // `at` is 4-aligned (payloads follow a 4-byte header at a 4-aligned offset): store whole words.
    for (; i + 4 <= length; i += 4) words[(at + i) >> 2] = from.getInt32(base + i, true);
    for (; i < length; i++) this.bytes[at + i] = payload[start + i]!;
  }

  /** Make every record written since the last publish visible, then wake the consumer if it sleeps. */
  publish(): void {
    // wpos can't come back round to the published offset without a publish in between: that
    // would take more than a ring's worth of writes. So equal means nothing new.
    if (this.wpos === this.published) return;
    this.published = this.wpos;
    // The record bytes were plain stores; this SC store orders them before the new WRITE.
    Atomics.store(this.header, WRITE, this.wpos);
    wakeConsumer(this.header);
  }

  // ---------------------------------------------------------------- consumer

  /** Is at least one published record waiting? */
  available(): boolean {
    if (this.rpos !== this.writeCache) return true;
    this.writeCache = Atomics.load(this.header, WRITE);
    return this.rpos !== this.writeCache;
  }

  /**
   * Length of the next record's payload, or -1 if the ring is empty. The payload is
   * `bytes[peekOffset, peekOffset + length)`, valid until `release()`. Allocates nothing.
   */
  peekLength(): number {
    let rd = this.rpos;
    for (;;) {
      if (rd === this.writeCache) {
        // Load WRITE before reading any record bytes: the load is what makes them visible.
        this.writeCache = Atomics.load(this.header, WRITE);
        if (rd === this.writeCache) return -1;
      }
      const length = this.words[rd >> 2]!;
      if (length === PAD) {
        rd = this.rpos = 0;
        continue;
      }
      const end = rd + recordBytes(length);
      this.peekEnd = end === this.capacity ? 0 : end;
      this.peekOffset = rd + RECORD_HEADER_BYTES;
      return length;
    }
  }

  /**
   * The next record's payload as a view into the SAB (allocates the view), or null if empty.
   * Valid until `release()`: after that the producer may overwrite it.
   */
  peek(): Uint8Array | null {
    const length = this.peekLength();
    return length < 0 ? null : this.bytes.subarray(this.peekOffset, this.peekOffset + length);
  }

  /** Drop the record returned by the last peek and hand its bytes back to the producer. */
  release(): void {
    if (this.peekEnd < 0) throw new Error("release() without a peeked record");
    this.rpos = this.peekEnd;
    this.peekEnd = -1;
    Atomics.store(this.header, READ, this.rpos);
  }

  /** Copy the next record out and release it (allocates), or null if empty. */
  read(): Uint8Array | null {
    const view = this.peek();
    if (view === null) return null;
    const copy = view.slice();
    this.release();
    return copy;
  }

  /**
   * Hand up to `max` records to `handler(bytes, offset, length)` and release them all with one
   * store of READ. If the handler throws, the records before the throwing one are released and
   * it stays at the head. Returns the number handled. Allocates nothing.
   */
  drain(handler: RecordHandler, max = Infinity): number {
    const words = this.words;
    const bytes = this.bytes;
    const capacity = this.capacity;
    const wr = (this.writeCache = Atomics.load(this.header, WRITE));
    let rd = this.rpos;
    let done = 0;
    this.peekEnd = -1;
    try {
      while (rd !== wr && done < max) {
        const length = words[rd >> 2]!;
        if (length === PAD) {
          rd = 0;
          continue;
        }
        handler(bytes, rd + RECORD_HEADER_BYTES, length);
        const end = rd + recordBytes(length);
        rd = end === capacity ? 0 : end;
        done++;
      }
    } finally {
      if (rd !== this.rpos) {
        this.rpos = rd;
        Atomics.store(this.header, READ, rd);
      }
    }
    return done;
  }

  /**
   * Worker threads only: if the ring is empty, sleep (Atomics.wait) until the producer publishes
   * or `timeoutMs` passes. Returns whether records are available. Throws on the main thread,
   * which must never block: use `waitForDataAsync` there.
   */
  waitForData(timeoutMs: number): boolean {
    if (isMainThread) throw new Error("Ring.waitForData blocks: use waitForDataAsync on the main thread");
    if (this.available()) return true;
    sleepWhile(this.header, this.rpos, timeoutMs);
    return this.available();
  }

  /**
   * Resolves when the ring is non-empty or `timeoutMs` passes, without blocking the thread
   * (Atomics.waitAsync; a ≤1 ms timer poll where that is missing). Allocates a promise.
   * A pending wait does not keep Bun's event loop alive.
   */
  async waitForDataAsync(timeoutMs: number): Promise<boolean> {
    if (this.available()) return true;
    await sleepWhileAsync(this.header, this.rpos, timeoutMs);
    return this.available();
  }

  // ---------------------------------------------------------------- stats (either side)

  /** Published bytes not yet released by the consumer (padding included). */
  usedBytes(): number {
    const used = Atomics.load(this.header, WRITE) - Atomics.load(this.header, READ);
    return used >= 0 ? used : used + this.capacity;
  }

  /**
   * Where `n` (aligned) record bytes go from write offset `wr` given read offset `rd`:
   * contiguously, at offset 0 after a PAD (wasting the tail), or nowhere. One ALIGN unit always
   * stays free so that WRITE == READ means empty only.
   */
  private fit(n: number, wr: number, rd: number): number {
    if (wr < rd) return n < rd - wr ? FITS : NO_ROOM;
    const tail = this.capacity - wr;
    // Filling the tail exactly moves WRITE to 0, which is only allowed if READ isn't there.
    if (n < tail || (n === tail && rd !== 0)) return FITS;
    return n < rd ? FITS_AFTER_WRAP : NO_ROOM;
  }
}
