// The main thread's side of the validator workers: routes each tick to the worker that owns its
// symbol, writes it into that worker's ring, and turns the workers' completions into one answer per
// request. The pool is the only producer of every main→worker ring and the only consumer of every
// worker→main ring, which is what the rings' single-producer/single-consumer rule needs.
//   worker-slot.ts        spawning a worker, its rings and status slots, its health
//   pending-requests.ts   counting completions into each request's answer
//   enqueue.ts            packing a request's ticks into ring records
import { Unpackr } from "msgpackr";
import type { Config } from "../config.ts";
import { errors } from "../errors.ts";
import { log } from "../log.ts";
import { withTimeout } from "../timeout.ts";
import { Enqueuer } from "./enqueue.ts";
import { PendingRequests, type Ack, type Pending, type TickResult } from "./pending-requests.ts";
import type { Completion } from "./ring-records.ts";
import type { SinkProgress } from "./sink-progress.ts";
import { STALL_MS, beatAge, kafkaState, kafkaUp, spawnWorker, type KafkaState, type SlotEvents, type WorkerSlot } from "./worker-slot.ts";

export type { Ack, Pending, TickResult } from "./pending-requests.ts";

/** A validator worker as /readyz and /v1/stats describe it. */
export interface WorkerState {
  worker: number;
  alive: boolean;
  kafka: KafkaState;
  /** false when the worker's event loop has not beaten for STALL_MS (it is restarted then). */
  responsive: boolean;
  restarts: number;
}

export interface PoolOptions {
  config: Config;
  checksConfig: unknown;
  /** The sink group's progress: what ?ack=stored waits for, and the lag behind 503 pipeline.behind. */
  progress?: SinkProgress | null;
  /** Called after a worker died, with its index and why. */
  onWorkerExit?: (index: number, reason: string) => void;
}

/** How often the watchdog looks for workers that stopped beating. */
const WATCH_INTERVAL_MS = 1000;

export class ValidatorPool {
  readonly size: number;
  private slots: WorkerSlot[] = [];
  private readonly requests: PendingRequests;
  private closing = false;
  private readonly unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
  private readonly enqueuer: Enqueuer;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private readonly events: SlotEvents = {
    onCompletion: (slot, bytes, offset, length) => this.onCompletion(slot, bytes, offset, length),
    onExit: (slot, reason) => this.onExit(slot, reason),
    onLoopFailed: (slot, err) => this.terminateWorker(slot.index, `completion loop failed: ${(err as Error)?.message ?? err}`),
  };

  constructor(private readonly opts: PoolOptions) {
    this.size = opts.config.WORKERS;
    this.requests = new PendingRequests(opts.config, opts.progress);
    this.enqueuer = new Enqueuer(this.size, Math.floor(opts.config.RING_BYTES / 2) - 64);
  }

  /** Starts every worker and waits (bounded) until each has its Kafka producer connected. */
  async start(timeoutMs = 60_000): Promise<void> {
    for (let i = 0; i < this.size; i++) this.slots.push(this.spawn(i, 0));
    await withTimeout(timeoutMs, Promise.all(this.slots.map((s) => s.api.ready())), "validator workers starting");
    this.watchdog = setInterval(() => this.watch(), WATCH_INTERVAL_MS);
    this.watchdog.unref?.();
  }

  private spawn(index: number, restarts: number): WorkerSlot {
    return spawnWorker(index, restarts, this.opts.config, this.opts.checksConfig, this.events);
  }

  /** Replaces a worker that stopped beating: a stuck event loop would otherwise hold its symbols' ticks forever. */
  private watch() {
    for (const slot of this.slots) {
      if (slot.alive && !this.closing && beatAge(slot) > STALL_MS) this.terminateWorker(slot.index, `stalled (no heartbeat for ${STALL_MS} ms)`);
    }
  }

  /** A worker that dies is replaced; the requests that had ticks in it fail with 503 (never silently). */
  private onExit(slot: WorkerSlot, reason: string) {
    if (!slot.alive) return;
    slot.alive = false;
    slot.fromWorker.drain((bytes, offset, length) => this.onCompletion(slot, bytes, offset, length));
    for (const id of slot.inflight.keys()) this.requests.fail(id, errors.unavailable(`validator worker ${slot.index} ${reason}`));
    slot.inflight.clear();
    this.opts.onWorkerExit?.(slot.index, reason);
    if (this.closing) return;
    slot.worker.terminate();
    const fresh = this.spawn(slot.index, slot.restarts + 1);
    this.slots[slot.index] = fresh;
    fresh.api.ready().catch(() => {});
  }

  private onCompletion(slot: WorkerSlot, bytes: Uint8Array, offset: number, length: number) {
    let completion: Completion;
    try {
      completion = this.unpackr.unpack(bytes.subarray(offset, offset + length)) as Completion;
    } catch (err) {
      // Cannot happen for records the worker wrote; its requests then end by their ack timer.
      log.error("a validator worker sent an unreadable completion (a bug); its requests end by their ack timer", { worker: slot.index, error: (err as Error).message });
      return;
    }
    const left = (slot.inflight.get(completion.request) ?? 0) - completion.ticks;
    if (left > 0) slot.inflight.set(completion.request, left);
    else slot.inflight.delete(completion.request);
    if (completion.offsets) this.opts.progress?.produced(completion.offsets);
    this.requests.complete(completion);
  }

  // ---------------------------------------------------------------- requests

  /** Starts a request. Feed it with `add`, then `seal`; `promise` settles once Kafka acknowledged all. */
  begin(ack: Ack = "kafka"): Pending {
    if (this.closing) throw errors.shuttingDown();
    return this.requests.begin(ack);
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
    const enqueuer = this.enqueuer;
    enqueuer.encode(p.id, values, baseIndex, recvTs, unreadable);
    // Reserve: single producer ⇒ the free room only grows between this check and the writes below.
    for (let w = 0; w < this.size; w++) {
      const need = enqueuer.need[w];
      if (need === 0) continue;
      const slot = this.slots[w];
      if (!slot.alive) throw errors.busy(`validator worker ${w} is restarting`);
      if (!kafkaUp(slot)) throw errors.busy("Kafka is unavailable");
      // Larger than half the ring might never fit (a batch does not wrap): refuse it for good, not 503.
      if (need > slot.toWorker.capacity / 2 - 64) throw errors.tooLargeForQueue(need, slot.toWorker.capacity);
      if (!slot.toWorker.canWrite(need)) throw errors.full(w);
    }
    enqueuer.write(this.slots.map((s) => s.toWorker));
    for (let w = 0; w < this.size; w++) {
      if (enqueuer.records[w] === 0) continue;
      const inflight = this.slots[w].inflight;
      inflight.set(p.id, (inflight.get(p.id) ?? 0) + enqueuer.records[w]);
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
    return this.requests.seal(p);
  }

  /** Stops tracking a request that is being answered with an error; late completions are ignored. */
  forget(p: Pending): void {
    this.requests.forget(p);
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
    return this.slots.every(kafkaUp);
  }

  /** Each worker's liveness and Kafka state, read from shared memory: answers even when a worker is stuck. */
  workerStates(): WorkerState[] {
    return this.slots.map((s) => ({
      worker: s.index,
      alive: s.alive,
      kafka: kafkaState(s),
      responsive: beatAge(s) <= STALL_MS,
      restarts: s.restarts,
    }));
  }

  restarts(): number {
    return this.slots.reduce((n, s) => n + s.restarts, 0);
  }

  inflightRequests(): number {
    return this.requests.size;
  }

  // Control-plane calls to a worker that dies mid-call would never settle: each one is bounded.

  /** Each worker's stats; null for a worker that is restarting or does not answer within 2 s. */
  async stats() {
    return Promise.all(this.slots.map((s) => (s.alive ? withTimeout(2000, s.api.stats(), `worker ${s.index} stats`).catch(() => null) : null)));
  }

  /** Validates the config in each worker and swaps it in without a restart. */
  async reloadChecks(checksConfig: unknown): Promise<void> {
    this.opts.checksConfig = checksConfig;
    await Promise.all(this.slots.map((s) => withTimeout(5000, s.api.reloadChecks(checksConfig), `worker ${s.index} reload`)));
  }

  /**
   * Graceful stop: refuse new requests, wait for those in flight (bounded), let every worker drain
   * its ring and flush its producer, then end the workers.
   */
  async shutdown(timeoutMs: number): Promise<void> {
    this.closing = true;
    clearInterval(this.watchdog);
    const deadline = Date.now() + timeoutMs;
    while (this.requests.size > 0 && Date.now() < deadline) await Bun.sleep(10);
    const left = Math.max(100, deadline - Date.now());
    await Promise.race([
      Promise.all(this.slots.map((s) => (s.alive ? s.api.shutdown() : undefined))),
      Bun.sleep(left),
    ]).catch(() => {});
    for (const s of this.slots) {
      s.alive = false;
      s.worker.terminate();
    }
    this.requests.failAll(errors.unavailable("tickgate shut down before Kafka acknowledged the ticks"));
  }
}
