// The faults, one literal table: id, what it does, how to inject it, and how to make sure the system
// is whole again afterwards. inject() returns once the fault is over (the service started again, the
// process replaced); restore() runs after every phase, also a failed one, and must be idempotent.
import { stack, type Service } from "./stack.ts";
import type { System } from "./system.ts";

/** The six faults of a default run, in its order. */
export const FAULT_IDS = ["kafka", "redis", "postgres", "sink", "worker", "ingest"] as const;
/** Extra faults, run only when named: crashes of the stores rather than restarts. */
export const EXTRA_FAULT_IDS = ["redis-kill", "postgres-kill"] as const;
export type FaultId = (typeof FAULT_IDS)[number] | (typeof EXTRA_FAULT_IDS)[number];

export interface FaultContext {
  system: System;
  /** ms a stopped service stays down */
  downMs: number;
  /** facts of the injection worth reporting (exit codes, shutdown time, answers) */
  notes: string[];
  /** called the moment the fault is in effect (the service is gone, the signal sent): recovery is timed from here */
  injected(): void;
  /** Sends one large batch beside the steady load (resolves once it is on the wire): work in flight when the fault strikes. */
  burst(): Promise<void>;
}

/** The fault cannot be injected on this server (e.g. the endpoint it needs does not exist). */
export class FaultNotAvailable extends Error {
  readonly name = "FaultNotAvailable";
}

export interface Fault {
  id: FaultId;
  title: string;
  inject(c: FaultContext): Promise<void>;
  restore(c: FaultContext): Promise<void>;
}

const pause = (ms: number) => (ms > 0 ? Bun.sleep(ms) : Promise.resolve());

/**
 * Puts a large batch in flight just before the fault: a fault that hits an idle moment of the steady
 * load tests little (nothing pending in the crashed worker, nothing for the shutdown to drain). The
 * few ms let the server read the body and hand the ticks to the workers.
 */
async function withWorkInFlight(c: FaultContext) {
  await c.burst();
  await Bun.sleep(5);
}

/**
 * A service of the stack taken down — `stop` (a clean restart) or `kill` (SIGKILL, a crash) — kept
 * down for downMs and started again; restore() starts it in case a phase failed midway.
 */
function serviceDown(id: FaultId, title: string, how: "stop" | "kill", service: Service, opts: { workInFlight?: boolean } = {}): Fault {
  return {
    id,
    title,
    async inject(c) {
      if (opts.workInFlight) await withWorkInFlight(c);
      await stack(how, service);
      c.injected();
      await pause(c.downMs);
      await stack("start", service);
    },
    restore: async () => void (await stack("start", service)),
  };
}

export const FAULTS: Record<FaultId, Fault> = {
  kafka: serviceDown("kafka", "kill -9 Kafka, start it again", "kill", "kafka", { workInFlight: true }),
  redis: serviceDown("redis", "restart Redis (stop, start)", "stop", "redis"),
  postgres: serviceDown("postgres", "restart PostgreSQL (stop, start)", "stop", "postgres"),
  "redis-kill": serviceDown("redis-kill", "kill -9 Redis, start it again", "kill", "redis"),
  "postgres-kill": serviceDown("postgres-kill", "kill -9 PostgreSQL (postmaster and backends), start it again", "kill", "postgres"),
  sink: {
    id: "sink",
    title: "kill -9 the ROLE=sink process, start a new one",
    async inject(c) {
      await c.system.kill(c.system.sink);
      c.injected();
      await pause(c.downMs);
      const t0 = performance.now();
      await c.system.startSink();
      c.notes.push(`the new sink was ready (/readyz 200) ${Math.round(performance.now() - t0)} ms after it was started`);
    },
    async restore(c) {
      if (!c.system.alive("sink")) await c.system.startSink();
    },
  },
  worker: {
    id: "worker",
    title: "crash validator worker 0 (POST /v1/workers/0/restart)",
    async inject(c) {
      await withWorkInFlight(c);
      const r = await fetch(`${c.system.ingestUrl}/v1/workers/0/restart`, { method: "POST", signal: AbortSignal.timeout(10_000) });
      const body = (await r.text()).slice(0, 300);
      c.injected();
      if (r.status === 404 || r.status === 405) throw new FaultNotAvailable(`POST /v1/workers/0/restart answered ${r.status} ${body}`);
      c.notes.push(`POST /v1/workers/0/restart answered ${r.status} ${body}`);
      if (r.status !== 202) throw new Error(`POST /v1/workers/0/restart answered ${r.status}, not 202: ${body}`);
    },
    restore: async () => {},
  },
  ingest: {
    id: "ingest",
    title: "SIGTERM the ROLE=ingest process, start it again on the same port",
    async inject(c) {
      const port = Number(new URL(c.system.ingestUrl).port);
      await withWorkInFlight(c);
      const exit = await c.system.terminate(c.system.ingest, c.injected);
      c.notes.push(`the old ingest process exited with ${exit.code} ${exit.ms} ms after SIGTERM${exit.killed ? " (SIGKILLed at the bound)" : ""}`);
      await pause(c.downMs);
      const t0 = performance.now();
      await c.system.startIngest(port);
      c.notes.push(`the new ingest process was ready ${Math.round(performance.now() - t0)} ms after it was started`);
    },
    async restore(c) {
      if (!c.system.alive("ingest")) await c.system.startIngest(Number(new URL(c.system.ingestUrl).port));
    },
  },
};
