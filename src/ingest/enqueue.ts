// Route + enqueue: a request's ticks → MessagePack records in the rings of the workers that own
// their symbols, all or nothing. Packs every record once into one growing scratch buffer, sums the
// room each target ring needs, and only then copies; the caller checks the room in between.
// Allocates per request (msgpackr's result views), never per tick beyond that.
import { Packr } from "msgpackr";
import { routingKey } from "../checks/index.ts";
import { errors } from "../errors.ts";
import { recordBytes, type Ring } from "../ring/index.ts";
import { KIND_TICK, KIND_UNREADABLE, OFF_INDEX, OFF_KIND, OFF_RECV_TS, OFF_REQUEST, TICK_HEADER_BYTES } from "./records.ts";
import { workerFor } from "./route.ts";

/** The scratch is kept up to this size between requests; a larger one is dropped at the next request. */
const SCRATCH_KEEP_BYTES = 16 << 20;

export class Enqueuer {
  private readonly packr = new Packr({ useRecords: false });
  private scratch = new Uint8Array(1 << 20);
  private view = new DataView(this.scratch.buffer);
  private recWorker = new Int32Array(1024);
  private recStart = new Int32Array(1024);
  private recLength = new Int32Array(1024);
  private count = 0;
  /** Ring bytes the encoded batch needs, per worker. */
  readonly need: number[];
  /** Records of the encoded batch, per worker. */
  readonly records: number[];

  constructor(
    readonly workers: number,
    private readonly maxRecord: number,
  ) {
    this.need = new Array(workers).fill(0);
    this.records = new Array(workers).fill(0);
  }

  /**
   * Step 1: route and encode `values` (the ticks at positions base, base + 1, …) of request `request`.
   * `unreadable[i]`, when set, is why values[i] (an NDJSON line's text) did not parse.
   */
  encode(request: number, values: unknown[], base: number, recvTs: number, unreadable?: (string | undefined)[]): void {
    const n = values.length;
    // One huge request grew the scratch: give the memory back rather than keep it for good.
    if (this.scratch.length > SCRATCH_KEEP_BYTES) this.resetScratch();
    this.ensureRecords(n);
    this.need.fill(0);
    this.records.fill(0);
    let pos = 0;
    for (let i = 0; i < n; i++) {
      const error = unreadable?.[i];
      const w = error === undefined ? workerFor(routingKey(values[i]), this.workers) : 0;
      const payload = this.pack(values[i], error);
      const len = TICK_HEADER_BYTES + payload.length;
      if (len > this.maxRecord) throw errors.tooLarge(this.maxRecord);
      this.ensureScratch(pos, len);
      this.view.setUint32(pos + OFF_REQUEST, request, true);
      this.view.setUint32(pos + OFF_INDEX, base + i, true);
      this.view.setFloat64(pos + OFF_RECV_TS, recvTs, true);
      this.view.setUint32(pos + OFF_KIND, error === undefined ? KIND_TICK : KIND_UNREADABLE, true);
      this.scratch.set(payload, pos + TICK_HEADER_BYTES);
      this.recWorker[i] = w;
      this.recStart[i] = pos;
      this.recLength[i] = len;
      this.need[w] += recordBytes(len);
      // More than one worker's batch can take: refused now, before the rest is packed (the pool
      // would refuse it anyway, after the scratch had grown to the whole request).
      if (this.need[w] > this.maxRecord) throw errors.tooLargeForQueue(this.need[w], 2 * (this.maxRecord + 64));
      this.records[w]++;
      pos += len;
    }
    this.count = n;
  }

  /** Step 2, after the caller saw room for `need[w]` in every ring: copy the records in and publish. */
  write(rings: readonly Ring[]): void {
    for (let i = 0; i < this.count; i++) {
      rings[this.recWorker[i]].write(this.scratch, this.recStart[i], this.recStart[i] + this.recLength[i]);
    }
    for (let w = 0; w < this.workers; w++) if (this.records[w] > 0) rings[w].publish();
  }

  private pack(value: unknown, error: string | undefined): Uint8Array {
    if (error !== undefined) return this.packr.pack([value, error]);
    try {
      return this.packr.pack(value);
    } catch {
      // Not reachable from JSON or MessagePack input, but a bug must not crash the request: the
      // worker rejects this record as unreadable instead of it being lost.
      return this.packr.pack(["(unencodable value)", "value could not be encoded"]);
    }
  }

  private ensureRecords(n: number) {
    if (this.recWorker.length >= n) return;
    const size = Math.max(n, this.recWorker.length * 2);
    this.recWorker = new Int32Array(size);
    this.recStart = new Int32Array(size);
    this.recLength = new Int32Array(size);
  }

  private resetScratch() {
    this.scratch = new Uint8Array(1 << 20);
    this.view = new DataView(this.scratch.buffer);
  }

  private ensureScratch(pos: number, len: number) {
    if (pos + len <= this.scratch.length) return;
    const grown = new Uint8Array(Math.max(pos + len, this.scratch.length * 2));
    grown.set(this.scratch.subarray(0, pos));
    this.scratch = grown;
    this.view = new DataView(grown.buffer);
  }
}
