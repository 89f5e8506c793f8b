import { isMainThread } from "node:worker_threads";
import {
  ALIGN, CAPACITY, HEADER_BYTES, HEADER_SLOTS, MAGIC, MIN_CAPACITY, PAD, READ,
  RECORD_HEADER_BYTES, RING_MAGIC, WRITE,
} from "./layout.ts";
import { FITS_AFTER_WRAP, NO_ROOM, fit, recordBytes } from "./room.ts";
import { sleepWhile, sleepWhileAsync, wakeConsumer } from "./wake.ts";
import { LITTLE_ENDIAN, WORD_COPY_MAX, WordCopier } from "./word-copy.ts";

/** Called by `drain` for each record; the bytes are valid only during the call. */
export type RecordHandler = (bytes: Uint8Array, offset: number, length: number) => void;

/**
 * A single-producer single-consumer ring of variable-length byte records over a SharedArrayBuffer.
 *
 * Exactly one thread produces (canWrite/reserve/commit/write/publish) and exactly one thread
 * consumes (available/drain/wait*). Each thread builds its own `Ring` over the shared memory
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
  /** The data region; payloads live at the offsets that `reserve`/`drain` give. */
  readonly bytes: Uint8Array;
  private readonly words: Int32Array;
  private readonly header: Int32Array;
  private readonly copier: WordCopier;

  // Producer's cursor: writeOffset runs ahead of the published WRITE until publish().
  private writeOffset: number;
  private published: number;
  /** Last READ the producer loaded; stale values only under-report room, so reload on demand. */
  private readCache: number;
  private reservedMax = -1;

  // Consumer's cursor: the released READ (drain stores it once per call).
  private readOffset: number;
  /** Last WRITE the consumer loaded; reloaded only when the consumer catches up with it. */
  private writeCache: number;

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
    this.copier = new WordCopier(this.words, this.bytes);
    this.writeOffset = this.published = this.writeCache = Atomics.load(header, WRITE);
    this.readOffset = this.readCache = Atomics.load(header, READ);
  }

  // ---------------------------------------------------------------- producer

  /**
   * Will a batch of records whose `recordBytes` sum to `totalRecordBytes` all fit, written in
   * order from the current write offset? Conservative: it assumes a batch that needs to wrap
   * wastes the whole tail. Only the consumer changes READ, and only forward, so a `true` stays
   * true until this producer writes: check once, then write the whole batch (or none of it).
   */
  canWrite(totalRecordBytes: number): boolean {
    const aligned = (totalRecordBytes + ALIGN - 1) & -ALIGN;
    this.readCache = Atomics.load(this.header, READ);
    return fit(aligned, this.writeOffset, this.readCache, this.capacity) !== NO_ROOM;
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
    const needed = recordBytes(maxLength);
    let at = this.writeOffset;
    let where = fit(needed, at, this.readCache, this.capacity);
    if (where === NO_ROOM) {
      // The cached READ is stale at worst; look at the real one before refusing.
      this.readCache = Atomics.load(this.header, READ);
      where = fit(needed, at, this.readCache, this.capacity);
      if (where === NO_ROOM) return -1;
    }
    if (where === FITS_AFTER_WRAP) {
      this.words[at >> 2] = PAD;
      at = this.writeOffset = 0;
    }
    this.reservedMax = maxLength;
    return at + RECORD_HEADER_BYTES;
  }

  /** Zero-copy write, step 2: the reserved payload holds `length` (<= reserved) bytes. Not yet published. */
  commit(length: number): void {
    if (!(length >= 0 && length <= this.reservedMax)) {
      throw new RangeError(`commit(${length}) without a reserve of at least that many bytes`);
    }
    const at = this.writeOffset;
    this.words[at >> 2] = length;
    const next = at + recordBytes(length);
    this.writeOffset = next === this.capacity ? 0 : next;
    this.reservedMax = -1;
  }

  /**
   * Copy `payload[start, end)` in as one record; false (nothing written) if no room. Not yet
   * published. Allocates nothing, except for a slice longer than WORD_COPY_MAX (a subarray view).
   */
  write(payload: Uint8Array, start = 0, end = payload.length): boolean {
    const length = end - start;
    const at = this.reserve(length);
    if (at < 0) return false;
    if (start === 0 && end === payload.length) {
      this.bytes.set(payload, at);
    } else if (length <= WORD_COPY_MAX && LITTLE_ENDIAN) {
      this.copier.copy(payload, start, length, at);
    } else {
      this.bytes.set(payload.subarray(start, end), at); // allocates a view
    }
    this.commit(length);
    return true;
  }

  /** Make every record written since the last publish visible, then wake the consumer if it sleeps. */
  publish(): void {
    // writeOffset can't come back round to the published offset without a publish in between:
    // that would take more than a ring's worth of writes. So equal means nothing new.
    if (this.writeOffset === this.published) return;
    this.published = this.writeOffset;
    // The record bytes were plain stores; this SC store orders them before the new WRITE.
    Atomics.store(this.header, WRITE, this.writeOffset);
    wakeConsumer(this.header);
  }

  // ---------------------------------------------------------------- consumer

  /** Is at least one published record waiting? */
  available(): boolean {
    if (this.readOffset !== this.writeCache) return true;
    this.writeCache = Atomics.load(this.header, WRITE);
    return this.readOffset !== this.writeCache;
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
    // Load WRITE before reading any record bytes: the load is what makes them visible.
    const end = (this.writeCache = Atomics.load(this.header, WRITE));
    let at = this.readOffset;
    let handled = 0;
    try {
      while (at !== end && handled < max) {
        const length = words[at >> 2]!;
        if (length === PAD) {
          at = 0;
          continue;
        }
        handler(bytes, at + RECORD_HEADER_BYTES, length);
        const next = at + recordBytes(length);
        at = next === capacity ? 0 : next;
        handled++;
      }
    } finally {
      if (at !== this.readOffset) {
        this.readOffset = at;
        Atomics.store(this.header, READ, at);
      }
    }
    return handled;
  }

  /**
   * Worker threads only: if the ring is empty, sleep (Atomics.wait) until the producer publishes
   * or `timeoutMs` passes. Returns whether records are available. Throws on the main thread,
   * which must never block: use `waitForDataAsync` there.
   */
  waitForData(timeoutMs: number): boolean {
    if (isMainThread) throw new Error("Ring.waitForData blocks: use waitForDataAsync on the main thread");
    if (this.available()) return true;
    sleepWhile(this.header, this.readOffset, timeoutMs);
    return this.available();
  }

  /**
   * Resolves when the ring is non-empty or `timeoutMs` passes, without blocking the thread
   * (Atomics.waitAsync; a ≤1 ms timer poll where that is missing). Allocates a promise.
   * A pending wait does not keep Bun's event loop alive.
   */
  async waitForDataAsync(timeoutMs: number): Promise<boolean> {
    if (this.available()) return true;
    await sleepWhileAsync(this.header, this.readOffset, timeoutMs);
    return this.available();
  }

  // ---------------------------------------------------------------- stats (either side)

  /** Published bytes not yet released by the consumer (padding included). */
  usedBytes(): number {
    const used = Atomics.load(this.header, WRITE) - Atomics.load(this.header, READ);
    return used >= 0 ? used : used + this.capacity;
  }
}
