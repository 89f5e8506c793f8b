// A validator worker's main loop and its control-plane answers (the ValidatorApi the pool calls).
//
// One Kafka send is in flight at a time. While it is, new records collect in the ring and become
// the next batch: batching adapts to load by itself, and a symbol's ticks reach Kafka in the order
// they were written to the ring (a retried batch is retried before anything after it is sent).
import { loadChecksConfig, type Validator } from "../../checks/index.ts";
import { log } from "../../log.ts";
import type { Ring } from "../../ring/index.ts";
import { KAFKA_UP, STATUS_BEAT, STATUS_KAFKA, type ValidatorApi, type WorkerStats } from "../validator-protocol.ts";
import type { Batch } from "./batch.ts";
import type { BatchSender } from "./batch-sender.ts";
import type { Collector } from "./collector.ts";
import type { ValidatorCounters } from "./counters.ts";

/** How long an idle worker sleeps on its ring before it lets its event loop run again. */
const IDLE_WAIT_MS = 50;
const BEAT_INTERVAL_MS = 250;

export interface LoopParts {
  worker: number;
  input: Ring;
  status: Int32Array;
  validator: Validator;
  batch: Batch;
  collector: Collector;
  sender: BatchSender;
  counters: ValidatorCounters;
}

export class ValidatorLoop {
  private stopping = false;
  /** A batch is being sent (its records are read from the ring but not acknowledged yet). */
  private busy = false;
  /** drain() callers waiting for the ring to be empty and nothing to be in flight. */
  private drainWaiters: (() => void)[] = [];
  private readonly running: Promise<void>;

  constructor(private readonly parts: LoopParts) {
    // A loop that throws (a bug) must not leave a silent, wedged worker: end the thread, and the pool
    // answers its requests 503 and starts a fresh one.
    this.running = this.run().catch((err) => {
      log.error("validator loop failed; ending the worker", { worker: parts.worker, error: String((err as Error)?.stack ?? err) });
      process.exit(1);
    });
    // The heartbeat lets the pool tell a worker whose event loop is stuck (it stops beating) from a busy one.
    setInterval(() => Atomics.add(parts.status, STATUS_BEAT, 1), BEAT_INTERVAL_MS);
  }

  private async run(): Promise<void> {
    const { collector, sender, batch, input } = this.parts;
    await sender.connected;
    for (;;) {
      if (collector.collect() > 0) {
        this.busy = true;
        await sender.send(batch);
        batch.clear();
        this.busy = false;
        continue;
      }
      if (this.drainWaiters.length) for (const resolve of this.drainWaiters.splice(0)) resolve();
      if (this.stopping) return;
      // Idle: sleep on the ring (Atomics.wait is fine here: nothing is in flight), then let the event
      // loop run (comlink calls, kafkajs timers) before looking again.
      input.waitForData(IDLE_WAIT_MS);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** The control plane the pool reaches over comlink. */
  api(): ValidatorApi {
    const { worker, input, status, validator, sender, counters } = this.parts;
    return {
      ready: async () => {
        await sender.connected;
      },
      stats: (): WorkerStats => ({
        index: worker, ticks: counters.ticks, accepted: counters.accepted, rejected: counters.rejected, flagged: counters.flagged,
        byCheck: { ...counters.byCheck },
        severity: validator.severities(),
        kafka: {
          sends: counters.sends, failures: counters.failures, records: counters.records, refused: counters.refused, givenUp: counters.givenUp,
          latency: sender.latency.snapshot(), healthy: Atomics.load(status, STATUS_KAFKA) === KAFKA_UP,
        },
        validator: validator.stats(),
      }),
      reloadChecks: (checksConfig: unknown) => {
        validator.reconfigure(loadChecksConfig((checksConfig ?? {}) as object));
      },
      drain: () => {
        if (!this.busy && !input.available()) return Promise.resolve();
        return new Promise<void>((resolve) => this.drainWaiters.push(resolve));
      },
      shutdown: async () => {
        // Stopping first: the loop still sends what is in the ring, but a batch Kafka does not take is
        // not retried (its requests were answered 503 already), so an outage cannot hold the shutdown.
        this.stopping = true;
        sender.stopRetrying();
        await this.running;
        await sender.disconnect();
      },
    };
  }
}
