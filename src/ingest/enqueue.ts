// Route + enqueue: a request's ticks → MessagePack records in the rings of the workers that own
// their symbols, all or nothing. Packs every record once into one growing scratch buffer, sums the
// room each target ring needs, and only then copies; the caller checks the room in between.
// Allocates per tick: the routing key (routingKey builds the normalised "exchange:symbol" string)
// and the Uint8Array view msgpackr's pack() returns over its own reused buffer (an unreadable line
// also gets its [text, error] pair). The header fields, the scratch and the copy into the rings
// allocate nothing per tick; the scratch and the per-record arrays grow (once) for a larger request.
import { routingKey } from "../checks/index.ts";
import { errors } from "../errors.ts";
import { recordBytes, type Ring } from "../ring/index.ts";
import { KIND_TICK, KIND_UNREADABLE, OFF_INDEX, OFF_KIND, OFF_RECV_TS, OFF_REQUEST, TICK_HEADER_BYTES } from "./ring-records.ts";
import { workerFor } from "./route.ts";
import { packTick, tickPackr } from "./tick-msgpack.ts";

/** The scratch is kept up to this size between requests; a larger one is dropped at the next request. */
const SCRATCH_KEEP_BYTES = 16 << 20;

export class Enqueuer {
  private readonly packr = tickPackr();
  private scratch = new Uint8Array(1 << 20);
  private view = new DataView(this.scratch.buffer);
  // Per encoded record, by position in the request: its worker, and where it sits in the scratch.
  private recordWorker = new Int32Array(1024);
  private recordStart = new Int32Array(1024);
  private recordLength = new Int32Array(1024);
  /** Records encoded by the last encode(). */
  private encoded = 0;
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
    const count = values.length;
    // One huge request grew the scratch: give the memory back rather than keep it for good.
    if (this.scratch.length > SCRATCH_KEEP_BYTES) this.resetScratch();
    this.ensureRecords(count);
    this.need.fill(0);
    this.records.fill(0);
    let pos = 0;
    for (let i = 0; i < count; i++) {
      const error = unreadable?.[i];
      // An unreadable line has no symbol: any worker can reject it, so worker 0 does.
      const worker = error === undefined ? workerFor(routingKey(values[i]), this.workers) : 0;
      const payload = this.pack(values[i], error);
      const length = TICK_HEADER_BYTES + payload.length;
      if (length > this.maxRecord) throw errors.tooLarge(this.maxRecord);
      this.ensureScratch(pos, length);
      this.view.setUint32(pos + OFF_REQUEST, request, true);
      this.view.setUint32(pos + OFF_INDEX, base + i, true);
      this.view.setFloat64(pos + OFF_RECV_TS, recvTs, true);
      this.view.setUint32(pos + OFF_KIND, error === undefined ? KIND_TICK : KIND_UNREADABLE, true);
      this.scratch.set(payload, pos + TICK_HEADER_BYTES);
      this.recordWorker[i] = worker;
      this.recordStart[i] = pos;
      this.recordLength[i] = length;
      this.need[worker] += recordBytes(length);
      // More than one worker's batch can take: refused now, before the rest is packed (the pool
      // would refuse it anyway, after the scratch had grown to the whole request).
      if (this.need[worker] > this.maxRecord) throw errors.tooLargeForQueue(this.need[worker], 2 * (this.maxRecord + 64));
      this.records[worker]++;
      pos += length;
    }
    this.encoded = count;
  }

  /** Step 2, after the caller saw room for `need[w]` in every ring: copy the records in and publish. */
  write(rings: readonly Ring[]): void {
    for (let i = 0; i < this.encoded; i++) {
      rings[this.recordWorker[i]].write(this.scratch, this.recordStart[i], this.recordStart[i] + this.recordLength[i]);
    }
    for (let worker = 0; worker < this.workers; worker++) if (this.records[worker] > 0) rings[worker].publish();
  }

  private pack(value: unknown, error: string | undefined): Uint8Array {
    return error !== undefined ? this.packr.pack([value, error]) : packTick(this.packr, value);
  }

  private ensureRecords(count: number) {
    if (this.recordWorker.length >= count) return;
    const size = Math.max(count, this.recordWorker.length * 2);
    this.recordWorker = new Int32Array(size);
    this.recordStart = new Int32Array(size);
    this.recordLength = new Int32Array(size);
  }

  private resetScratch() {
    this.scratch = new Uint8Array(1 << 20);
    this.view = new DataView(this.scratch.buffer);
  }

  private ensureScratch(pos: number, length: number) {
    if (pos + length <= this.scratch.length) return;
    const grown = new Uint8Array(Math.max(pos + length, this.scratch.length * 2));
    grown.set(this.scratch.subarray(0, pos));
    this.scratch = grown;
    this.view = new DataView(grown.buffer);
  }
}
