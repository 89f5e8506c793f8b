// One validator worker as the pool holds it: the thread, its two rings, its status slots, and the
// ticks it holds per request. Spawning a worker and reading its health live here.
import * as Comlink from "comlink";
import type { Config } from "../config.ts";
import { Ring } from "../ring/index.ts";
import {
  KAFKA_CONNECTING, KAFKA_DOWN, KAFKA_UP, STATUS_BEAT, STATUS_KAFKA, STATUS_SLOTS, type ValidatorApi, type WorkerInit,
} from "./validator-protocol.ts";

const WORKER_URL = new URL("../../workers/validator.ts", import.meta.url).href;
/** The worker → main ring: completions are one per request and batch, far fewer than ticks. */
const COMPLETION_RING_BYTES = 1 << 22;
/** A worker whose heartbeat is this old is stuck (its event loop no longer runs): it is replaced. */
export const STALL_MS = 10_000;
/** How long the completion loop sleeps on an empty completion ring before it looks again anyway. */
const COMPLETION_WAIT_MS = 200;
const KAFKA_STATES = { [KAFKA_UP]: "up", [KAFKA_DOWN]: "down", [KAFKA_CONNECTING]: "connecting" } as const;

export type KafkaState = (typeof KAFKA_STATES)[keyof typeof KAFKA_STATES];

export interface WorkerSlot {
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

export interface SlotEvents {
  /** One completion record, valid only during the call. */
  onCompletion(slot: WorkerSlot, bytes: Uint8Array, offset: number, length: number): void;
  /** The worker errored or exited (called for every such event: the handler ignores all but the first). */
  onExit(slot: WorkerSlot, reason: string): void;
  /** The completion loop threw (a bug). */
  onLoopFailed(slot: WorkerSlot, err: unknown): void;
}

/** Starts worker `index` with fresh rings, and the loop that reads its completions while it is alive. */
export function spawnWorker(index: number, restarts: number, config: Config, checksConfig: unknown, events: SlotEvents): WorkerSlot {
  const toWorker = Ring.allocate(config.RING_BYTES);
  const fromWorker = Ring.allocate(COMPLETION_RING_BYTES);
  const status = new SharedArrayBuffer(STATUS_SLOTS * 4);
  // Kafka counts as unreachable until this worker's producer has connected: a replacement worker
  // must not take ticks it cannot send yet (they get 503 pipeline.busy, none taken, instead).
  new Int32Array(status)[STATUS_KAFKA] = KAFKA_CONNECTING;
  const init: WorkerInit = { index, toWorker, fromWorker, status, config, checksConfig };
  const worker = new Worker(WORKER_URL, { workerData: init } as WorkerOptions);
  const slot: WorkerSlot = {
    index, worker, api: Comlink.wrap<ValidatorApi>(worker),
    toWorker: new Ring(toWorker), fromWorker: new Ring(fromWorker), status: new Int32Array(status),
    inflight: new Map(), alive: true, restarts, beat: { count: 0, changedAt: performance.now() }, // the start counts as a beat
  };
  worker.addEventListener("error", (e) => events.onExit(slot, `error: ${(e as ErrorEvent).message}`));
  worker.addEventListener("close", (e) => events.onExit(slot, `exited with code ${(e as CloseEvent).code}`));
  readCompletions(slot, events).catch((err) => events.onLoopFailed(slot, err));
  return slot;
}

/** The main thread never blocks: it drains the completion ring, then awaits the next publish (or a timeout). */
async function readCompletions(slot: WorkerSlot, events: SlotEvents): Promise<void> {
  // One handler for the slot's life: drain() is called with the same function every time.
  const handle = (bytes: Uint8Array, offset: number, length: number) => events.onCompletion(slot, bytes, offset, length);
  while (slot.alive) {
    slot.fromWorker.drain(handle);
    await slot.fromWorker.waitForDataAsync(COMPLETION_WAIT_MS);
  }
}

/** ms since the worker's beat counter last moved (read from shared memory, timed on this thread's own clock). */
export function beatAge(slot: WorkerSlot): number {
  const count = Atomics.load(slot.status, STATUS_BEAT);
  const now = performance.now();
  if (count !== slot.beat.count) slot.beat = { count, changedAt: now };
  return now - slot.beat.changedAt;
}

/** Does the worker's producer say its last send was acknowledged? Only then does it get ticks. */
export function kafkaUp(slot: WorkerSlot): boolean {
  return Atomics.load(slot.status, STATUS_KAFKA) === KAFKA_UP;
}

export function kafkaState(slot: WorkerSlot): KafkaState {
  return KAFKA_STATES[Atomics.load(slot.status, STATUS_KAFKA) as 0 | 1 | 2] ?? "down";
}
