// The main thread's side of the validator workers: routes each tick to the worker that owns its
// symbol, writes it into that worker's ring, and turns the workers' completions into one answer per
// request. The pool is the only producer of every main→worker ring and the only consumer of every
// worker→main ring, which is what the rings' single-producer/single-consumer rule needs.
import * as Comlink from "comlink";
import { Unpackr } from "msgpackr";
import type { Config } from "../config.ts";
import { errors, IngestError } from "../errors.ts";
import { log } from "../log.ts";
import { Ring } from "../ring/index.ts";
import { within } from "../within.ts";
import { Enqueuer } from "./enqueue.ts";
import type { Completion } from "./records.ts";
import type { SinkProgress } from "./sink-progress.ts";
import {
  KAFKA_CONNECTING, KAFKA_DOWN, KAFKA_UP, STATUS_BEAT, STATUS_KAFKA, STATUS_SLOTS, type ValidatorApi, type WorkerInit,
} from "../../workers/validator-api.ts";

export interface TickResult {
  accepted: number;
  rejected: number;
  flagged: number;
  /** The rejected ticks by position, the first MAX_REJECTS_LISTED of them. */
  rejects: { index: number; codes: string[] }[];
  /** Present when `rejects` was cut at MAX_REJECTS_LISTED: then every reject is counted here by code. */
  rejectsTruncated?: true;
  rejectsByCode?: Record<string, number>;
}

/** A validator worker as /readyz and /v1/stats describe it. */
export interface WorkerState {
  worker: number;
  alive: boolean;
  kafka: "up" | "down" | "connecting";
  /** false when the worker's event loop has not beaten for STALL_MS (it is restarted then). */
  responsive: boolean;
  restarts: number;
}

/** When a request is answered: once Kafka holds its ticks (the default), or once the sink stored them too. */
export type Ack = "kafka" | "stored";

export interface Pending {
  id: number;
  ack: Ack;
  /** partition → the last offset in `<prefix>.valid` its accepted ticks were written at or before. */
  offsets: Map<number, number>;
  added: number;
  completed: number;
  flagged: number;
  rejected: number;
  /** The rejects with the lowest indices seen so far; cut back to the listing bound when it doubles. */
  rejects: [number, string[]][];
  rejectsTruncated: boolean;
  rejectsByCode: Record<string, number>;
  sealed: boolean;
  settled: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  resolve: (r: TickResult) => void;
  reject: (e: Error) => void;
  promise: Promise<TickResult>;
}

interface Slot {
  index: number;
  worker: Worker;
  api: Comlink.Remote<ValidatorApi>;
  toWorker: Ring;
  fromWorker: Ring;
  status: Int32Array;
  /** request id → ticks written to this worker and not completed yet */
  inflight: Map<number, number>;
  alive: boolean;
  restarts: number;
  /** The worker's beat counter as last seen, and when (this thread's monotonic clock) it last changed. */
  beat: { count: number; changedAt: number };
}

/** ms since the worker's beat counter last moved (read from shared memory, timed on this thread's own clock). */
function beatAge(slot: Slot): number {
  const count = Atomics.load(slot.status, STATUS_BEAT);
  const now = performance.now();
  if (count !== slot.beat.count) slot.beat = { count, changedAt: now };
  return now - slot.beat.changedAt;
}

export interface PoolOptions {
  config: Config;
  checksConfig: unknown;
  /** The sink group's progress: what ?ack=stored waits for, and the lag behind 503 pipeline.behind. */
  progress?: SinkProgress | null;
  /** Called after a worker died, with its index and why. */
  onWorkerExit?: (index: number, reason: string) => void;
}

const WORKER_URL = new URL("../../workers/validator.ts", import.meta.url).href;
const COMPLETION_RING_BYTES = 1 << 22;
/** A worker whose heartbeat is this old is stuck (its event loop no longer runs): it is replaced. */
const STALL_MS = 10_000;
const KAFKA_STATES = { [KAFKA_UP]: "up", [KAFKA_DOWN]: "down", [KAFKA_CONNECTING]: "connecting" } as const;

export class ValidatorPool {
  readonly size: number;
  private slots: Slot[] = [];
  private pending = new Map<number, Pending>();
  private nextId = 1;
  /** Requests Kafka acknowledged that wait for the sink (?ack=stored). */
  private storing = 0;
  private closing = false;
  private readonly unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
  private readonly enqueuer: Enqueuer;
  private readonly maxListed: number;
  private watchdog: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly opts: PoolOptions) {
    this.size = opts.config.WORKERS;
    this.maxListed = opts.config.MAX_REJECTS_LISTED;
    this.enqueuer = new Enqueuer(this.size, Math.floor(opts.config.RING_BYTES / 2) - 64);
  }

  /** Starts every worker and waits (bounded) until each has its Kafka producer connected. */
  async start(timeoutMs = 60_000): Promise<void> {
    for (let i = 0; i < this.size; i++) this.slots.push(this.spawn(i, 0));
    await within(timeoutMs, Promise.all(this.slots.map((s) => s.api.ready())), "validator workers starting");
    this.watchdog = setInterval(() => this.watch(), 1000);
    this.watchdog.unref?.();
  }

  /** Replaces a worker that stopped beating: a stuck event loop would otherwise hold its symbols' ticks forever. */
  private watch() {
    for (const slot of this.slots) {
      if (slot.alive && !this.closing && beatAge(slot) > STALL_MS) this.terminateWorker(slot.index, `stalled (no heartbeat for ${STALL_MS} ms)`);
    }
  }

  private spawn(index: number, restarts: number): Slot {
    const toWorker = Ring.allocate(this.opts.config.RING_BYTES);
    const fromWorker = Ring.allocate(COMPLETION_RING_BYTES);
    const status = new SharedArrayBuffer(STATUS_SLOTS * 4);
    // Kafka counts as unreachable until this worker's producer has connected: a replacement worker
    // must not take ticks it cannot send yet (they get 503 pipeline.busy, none taken, instead).
    new Int32Array(status)[STATUS_KAFKA] = KAFKA_CONNECTING;
    const init: WorkerInit = { index, toWorker, fromWorker, status, config: this.opts.config, checksConfig: this.opts.checksConfig };
    const worker = new Worker(WORKER_URL, { workerData: init } as WorkerOptions);
    const slot: Slot = {
      index, worker, api: Comlink.wrap<ValidatorApi>(worker),
      toWorker: new Ring(toWorker), fromWorker: new Ring(fromWorker), status: new Int32Array(status),
      inflight: new Map(), alive: true, restarts, beat: { count: 0, changedAt: performance.now() }, // the start counts as a beat
    };
    worker.addEventListener("error", (e) => this.onExit(slot, `error: ${(e as ErrorEvent).message}`));
    worker.addEventListener("close", (e) => this.onExit(slot, `exited with code ${(e as CloseEvent).code}`));
    this.completionLoop(slot).catch((err) => this.terminateWorker(slot.index, `completion loop failed: ${(err as Error)?.message ?? err}`));
    return slot;
  }

  /** A worker that dies is replaced; the requests that had ticks in it fail with 503 (never silently). */
  private onExit(slot: Slot, reason: string) {
    if (!slot.alive) return;
    slot.alive = false;
    slot.fromWorker.drain((b, o, l) => this.complete(slot, b, o, l));
    for (const id of slot.inflight.keys()) this.fail(id, errors.unavailable(`validator worker ${slot.index} ${reason}`));
    slot.inflight.clear();
    this.opts.onWorkerExit?.(slot.index, reason);
    if (this.closing) return;
    slot.worker.terminate();
    const fresh = this.spawn(slot.index, slot.restarts + 1);
    this.slots[slot.index] = fresh;
    fresh.api.ready().catch(() => {});
  }

  private async completionLoop(slot: Slot) {
    const handle = (bytes: Uint8Array, offset: number, length: number) => this.complete(slot, bytes, offset, length);
    while (slot.alive) {
      slot.fromWorker.drain(handle);
      await slot.fromWorker.waitForDataAsync(200);
    }
  }

  private complete(slot: Slot, bytes: Uint8Array, offset: number, length: number) {
    let c: Completion;
    try {
      c = this.unpackr.unpack(bytes.subarray(offset, offset + length)) as Completion;
    } catch (err) {
      // Cannot happen for records the worker wrote; its requests then end by their ack timer.
      log.error("a validator worker sent an unreadable completion (a bug); its requests end by their ack timer", { worker: slot.index, error: (err as Error).message });
      return;
    }
    const left = (slot.inflight.get(c.r) ?? 0) - c.n;
    if (left > 0) slot.inflight.set(c.r, left);
    else slot.inflight.delete(c.r);
    const p = this.pending.get(c.r);
    if (c.o) this.opts.progress?.produced(c.o);
    if (!p) return; // already answered (timed out or failed)
    if (c.e) return this.fail(p.id, errors.unavailable(c.e));
    if (c.o) for (let i = 0; i < c.o.length; i += 2) p.offsets.set(c.o[i]!, Math.max(c.o[i + 1]!, p.offsets.get(c.o[i]!) ?? -1));
    p.completed += c.n;
    p.flagged += c.f;
    for (const j of c.j) this.noteReject(p, j);
    this.maybeFinish(p);
  }

  /** Counts a reject by code and lists it while the listing is within its bound (lowest indices win). */
  private noteReject(p: Pending, j: [number, string[]]) {
    p.rejected++;
    for (const code of j[1]) p.rejectsByCode[code] = (p.rejectsByCode[code] ?? 0) + 1;
    p.rejects.push(j);
    if (p.rejects.length >= 2 * this.maxListed) this.cutRejects(p);
  }

  private cutRejects(p: Pending) {
    p.rejects.sort((a, b) => a[0] - b[0]);
    if (p.rejects.length <= this.maxListed) return;
    p.rejects.length = this.maxListed;
    p.rejectsTruncated = true;
  }

  /** Starts a request. Feed it with `add`, then `seal`; `promise` settles once Kafka acknowledged all. */
  begin(ack: Ack = "kafka"): Pending {
    if (this.closing) throw errors.shuttingDown();
    let resolve!: (r: TickResult) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<TickResult>((res, rej) => ((resolve = res), (reject = rej)));
    // A streamed request can fail (worker death, Kafka error) before anyone awaits it: seal()
    // hands the same promise to the caller, so the failure is still seen; it must not be unhandled.
    promise.catch(() => {});
    const p: Pending = {
      id: this.nextId, ack, offsets: new Map(), added: 0, completed: 0, flagged: 0, rejected: 0, rejects: [], rejectsTruncated: false, rejectsByCode: {},
      sealed: false, settled: false, timer: undefined, resolve, reject, promise,
    };
    this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1;
    this.pending.set(p.id, p);
    return p;
  }

  /** A whole request at once: all of its ticks are taken, or none (503). */
  async submit(values: unknown[], recvTs: number, ack: Ack = "kafka"): Promise<TickResult> {
    const p = this.begin(ack);
    try {
      this.add(p, values, 0, recvTs);
    } catch (err) {
      this.forget(p);
      throw err;
    }
    this.seal(p);
    return p.promise;
  }

  /**
   * Writes `values` (the ticks at positions baseIndex, baseIndex + 1, …) into the rings of the workers
   * that own them, all or nothing: the room in every target ring is checked before the first write.
   * `unreadable[i]`, when set, is why values[i] (an NDJSON line's text) did not parse.
   * Throws a 503 IngestError when a ring lacks room, a worker is down or Kafka is unreachable.
   */
  add(p: Pending, values: unknown[], baseIndex: number, recvTs: number, unreadable?: (string | undefined)[]): void {
    if (this.closing) throw errors.shuttingDown();
    if (p.settled) throw errors.unavailable("the request already failed");
    this.checkBehind();
    const q = this.enqueuer;
    q.encode(p.id, values, baseIndex, recvTs, unreadable);
    // Reserve: single producer ⇒ the free room only grows between this check and the writes below.
    for (let w = 0; w < this.size; w++) {
      if (q.need[w] === 0) continue;
      const slot = this.slots[w];
      if (!slot.alive) throw errors.busy(`validator worker ${w} is restarting`);
      if (Atomics.load(slot.status, STATUS_KAFKA) !== KAFKA_UP) throw errors.busy("Kafka is unavailable");
      // Larger than half the ring might never fit (a batch does not wrap): refuse it for good, not 503.
      if (q.need[w] > slot.toWorker.capacity / 2 - 64) throw errors.tooLargeForQueue(q.need[w], slot.toWorker.capacity);
      if (!slot.toWorker.canWrite(q.need[w])) throw errors.full(w);
    }
    q.write(this.slots.map((s) => s.toWorker));
    for (let w = 0; w < this.size; w++) {
      if (q.records[w] === 0) continue;
      const inflight = this.slots[w].inflight;
      inflight.set(p.id, (inflight.get(p.id) ?? 0) + q.records[w]);
    }
    p.added += values.length;
  }

  /**
   * Throws 503 pipeline.behind while the sink's lag passes SINK_MAX_LAG_MS: nothing more is taken
   * until it catches up, so the backlog cannot grow without end. The adapters call it before they
   * read a body too, so a refusal costs no parsing.
   */
  checkBehind(): void {
    const lagMs = this.opts.progress?.behind() ?? 0;
    if (lagMs > 0) throw errors.behind(lagMs, this.opts.config.SINK_MAX_LAG_MS);
  }

  /** No more ticks for this request: it settles once every added tick is acknowledged. */
  seal(p: Pending): Promise<TickResult> {
    p.sealed = true;
    // The ack bound runs from the moment the request is complete: a slow upload is not a slow Kafka.
    if (!p.settled) this.armTimer(p);
    this.maybeFinish(p);
    return p.promise;
  }

  /** Stops tracking a request that is being answered with an error; late completions are ignored. */
  forget(p: Pending) {
    clearTimeout(p.timer);
    p.settled = true;
    this.pending.delete(p.id);
  }

  private maybeFinish(p: Pending) {
    if (p.settled || !p.sealed || p.completed < p.added) return;
    p.settled = true;
    clearTimeout(p.timer);
    this.pending.delete(p.id);
    this.cutRejects(p);
    const result: TickResult = {
      accepted: p.added - p.rejected,
      rejected: p.rejected,
      flagged: p.flagged,
      rejects: p.rejects.map(([index, codes]) => ({ index, codes })),
    };
    if (p.rejectsTruncated) {
      result.rejectsTruncated = true;
      result.rejectsByCode = p.rejectsByCode;
    }
    if (p.ack === "stored" && p.offsets.size > 0) {
      // Kafka holds them; the answer waits until the sink group committed past them (Redis and PostgreSQL hold them).
      const progress = this.opts.progress;
      if (!progress) return p.reject(errors.notStored("this process does not follow a sink"));
      this.storing++;
      progress.stored(p.offsets, this.opts.config.STORED_ACK_TIMEOUT_MS).then(
        () => p.resolve(result),
        (err) => p.reject(errors.notStored((err as Error).message)),
      ).finally(() => this.storing--);
      return;
    }
    p.resolve(result);
  }

  private fail(id: number, err: IngestError) {
    const p = this.pending.get(id);
    if (!p || p.settled) return;
    p.settled = true;
    clearTimeout(p.timer);
    this.pending.delete(id);
    p.reject(err);
  }

  private armTimer(p: Pending) {
    clearTimeout(p.timer);
    const ms = this.opts.config.KAFKA_ACK_TIMEOUT_MS;
    p.timer = setTimeout(() => this.fail(p.id, errors.unavailable(`Kafka did not acknowledge the ticks within ${ms} ms`)), ms);
  }

  // ---------------------------------------------------------------- control plane

  /** Bytes used in each worker's input ring, for the ring occupancy gauge. */
  occupancy(): { worker: number; used: number; capacity: number }[] {
    return this.slots.map((s) => ({ worker: s.index, used: s.toWorker.usedBytes(), capacity: s.toWorker.capacity }));
  }

  /** Control plane: ends a worker (stuck, or on an operator's request); it is replaced and its requests answered 503. */
  terminateWorker(index: number, reason = "was terminated"): void {
    const slot = this.slots[index];
    if (!slot || !slot.alive) return;
    slot.worker.terminate();
    this.onExit(slot, reason);
  }

  kafkaReachable(): boolean {
    return this.slots.every((s) => Atomics.load(s.status, STATUS_KAFKA) === KAFKA_UP);
  }

  /** Each worker's liveness and Kafka state, read from shared memory: answers even when a worker is stuck. */
  workerStates(): WorkerState[] {
    return this.slots.map((s) => ({
      worker: s.index,
      alive: s.alive,
      kafka: KAFKA_STATES[Atomics.load(s.status, STATUS_KAFKA) as 0 | 1 | 2] ?? "down",
      responsive: beatAge(s) <= STALL_MS,
      restarts: s.restarts,
    }));
  }

  restarts(): number {
    return this.slots.reduce((n, s) => n + s.restarts, 0);
  }

  inflightRequests(): number {
    return this.pending.size + this.storing;
  }

  // Control-plane calls to a worker that dies mid-call would never settle: each one is bounded.

  /** Each worker's stats; null for a worker that is restarting or does not answer within 2 s. */
  async stats() {
    return Promise.all(this.slots.map((s) => (s.alive ? within(2000, s.api.stats(), `worker ${s.index} stats`).catch(() => null) : null)));
  }

  /** Validates the config in each worker and swaps it in without a restart. */
  async reloadChecks(checksConfig: unknown): Promise<void> {
    this.opts.checksConfig = checksConfig;
    await Promise.all(this.slots.map((s) => within(5000, s.api.reloadChecks(checksConfig), `worker ${s.index} reload`)));
  }

  /**
   * Graceful stop: refuse new requests, wait for those in flight (bounded), let every worker drain
   * its ring and flush its producer, then end the workers.
   */
  async shutdown(timeoutMs: number): Promise<void> {
    this.closing = true;
    clearInterval(this.watchdog);
    const deadline = Date.now() + timeoutMs;
    while ((this.pending.size > 0 || this.storing > 0) && Date.now() < deadline) await Bun.sleep(10);
    const left = Math.max(100, deadline - Date.now());
    await Promise.race([
      Promise.all(this.slots.map((s) => (s.alive ? s.api.shutdown() : undefined))),
      Bun.sleep(left),
    ]).catch(() => {});
    for (const s of this.slots) {
      s.alive = false;
      s.worker.terminate();
    }
    for (const id of [...this.pending.keys()]) this.fail(id, errors.unavailable("tickgate shut down before Kafka acknowledged the ticks"));
  }
}
