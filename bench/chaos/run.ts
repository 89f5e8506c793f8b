// The whole chaos run: start the two processes, run one phase per fault, then (whatever happened)
// bring the stack back, stop the processes, make the loss account of every phase from one read of
// Kafka, Redis and PostgreSQL, and remove the run's data.
import { cpus, release, type } from "node:os";
import Redis from "ioredis";
import postgres from "postgres";
import { loadConfig } from "../../src/config.ts";
import { createKafka } from "../../src/kafka/client.ts";
import { cleanup } from "../load/account.ts";
import { exchangesOf, runId } from "../load/ticks.ts";
import { accountPhase, unknownInValid } from "./account.ts";
import { FAULTS, type FaultId } from "./faults.ts";
import type { PhaseLedger } from "./ledger.ts";
import type { ChaosOptions } from "./options.ts";
import { runPhase, type PhaseResult } from "./phase.ts";
import { findings, type ChaosResult } from "./report.ts";
import { SinkProgress } from "./sink-progress.ts";
import { ownedServices, stack, stackDescription, type Service } from "./stack.ts";
import { System } from "./system.ts";
import { kafkaTally, pgTally, redisTally, rejectedId, validId } from "./tally.ts";
import { ChaosTicks } from "./ticks.ts";

const SERVICE_OF: Partial<Record<FaultId, Service>> = { kafka: "kafka", redis: "redis", postgres: "postgres", "redis-kill": "redis", "postgres-kill": "postgres" };

export interface RunHooks {
  aborted: () => boolean;
  log: (line: string) => void;
}

export async function runChaos(o: ChaosOptions, command: string, h: RunHooks): Promise<{ result: ChaosResult; logs: System["logs"] }> {
  if (!process.env.STACK_DIR && !o.defaultStack) {
    throw new Error(
      "STACK_DIR is not set: the run would kill the default stack's services, which others may be using. Run it on a stack of its own:\n" +
        "  export STACK_DIR=$PWD/.stack-chaos KAFKA_BROKERS=127.0.0.1:29092 REDIS_URL=redis://127.0.0.1:26379 DATABASE_URL=postgres://tickgate:tickgate@127.0.0.1:25432/tickgate\n" +
        "  bash scripts/stack.sh up\n(or pass --default-stack on a machine of your own)",
    );
  }
  const owned = ownedServices();
  const foreign = o.faults.map((f) => SERVICE_OF[f]).filter((svc): svc is Service => !!svc && !owned[svc]);
  if (foreign.length) {
    throw new Error(`${[...new Set(foreign)].join(", ")} not started by scripts/stack.sh in ${stackDescription().dir}: the run only faults a stack of its own (bash scripts/stack.sh up with the same STACK_DIR/ports)`);
  }
  const id = runId();
  const prefix = `chaos.${id}`;
  const names = { id, prefix, group: `${prefix}.sink`, table: `chaos_${id}`, keyPrefix: `chaos:${id}:` };
  const startedAt = new Date().toISOString();
  const config = loadConfig({ ...process.env, LOG_LEVEL: "error" });
  const kafka = createKafka({ ...config, LOG_LEVEL: "error" }, "-chaos");
  const sources = Array.from({ length: o.connections }, (_, c) => new ChaosTicks(exchangesOf(id, c), o.symbols, o.seed * 1000 + c, o.bad));
  // The faults' large batches get symbols of their own: they run beside a connection's stream, and
  // sharing its symbols would reorder them.
  const burstSource = new ChaosTicks(exchangesOf(id, o.connections), o.symbols, o.seed * 1000 + o.connections, o.bad);
  const system = new System(names, o.workers, o.partitions, o.env, h.aborted);
  const progress = new SinkProgress(kafka, `${prefix}.valid`, names.group);
  const phases: { result: PhaseResult; ledger: PhaseLedger }[] = [];
  const runEvents: ChaosResult["events"] = [];

  h.log(`run ${id}: topics ${prefix}.*, group ${names.group}, table ${names.table}, Redis keys ${names.keyPrefix}*; stack ${JSON.stringify(stackDescription())}`);
  try {
    await system.startIngest();
    await system.startSink();
    h.log(`ingest ${system.ingestUrl} (pid ${system.ingest.pid}), sink ${system.sink.url} (pid ${system.sink.pid})`);
    for (const f of o.faults) {
      if (h.aborted()) break;
      phases.push(
        await runPhase(FAULTS[f], {
          durationS: o.duration,
          downMs: o.down * 1000,
          recoveryTimeoutS: o.recoveryTimeout,
          settleTimeoutS: o.settleTimeout,
          burstTicks: o.burst,
          load: { sources, burstSource, rate: o.rate, batch: o.batch, retryCapMs: o.retryCap, requestTimeoutMs: o.requestTimeout },
        }, { system, progress, aborted: h.aborted, log: h.log }),
      );
    }
  } catch (err) {
    runEvents.push({ process: "run", what: `stopped early: ${(err as Error)?.stack ?? err}` });
  } finally {
    // Whatever happened: every service of the stack runs again, and both children are stopped.
    await stack("up").catch((err) => runEvents.push({ process: "stack", what: `could not be brought up again: ${(err as Error).message}` }));
    const inPhases = new Set(phases.flatMap((p) => p.result.events));
    for (const e of system.events) if (!inPhases.has(e)) runEvents.push(e);
    await system.stop();
    await progress.close();
  }

  h.log("loss account: reading Kafka, Redis and PostgreSQL …");
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
  redis.on("error", () => {});
  const sql = postgres(config.DATABASE_URL, { max: 2, onnotice: () => {} });
  let totals: ChaosResult["totals"] = null;
  let accountError: string | null = null;
  let unknown: string[] = [];
  const accounts = new Map<PhaseLedger, ReturnType<typeof accountPhase>>();
  try {
    const [valid, rejected, rd, pg] = await Promise.all([
      kafkaTally(kafka, `${prefix}.valid`, validId),
      kafkaTally(kafka, `${prefix}.rejected`, rejectedId),
      redisTally(redis, names.keyPrefix, id),
      pgTally(sql, names.table),
    ]);
    totals = { validRecords: valid.records, rejectedRecords: rejected.records, redisMembers: rd.members, pgRows: pg.rows, unreadableRecords: valid.unreadable + rejected.unreadable };
    const t = { valid: valid.counts, rejected: rejected.counts, redis: rd.counts, pg: pg.counts };
    for (const p of phases) accounts.set(p.ledger, accountPhase(p.ledger, t));
    unknown = unknownInValid(phases.map((p) => p.ledger), valid.counts);
  } catch (err) {
    accountError = String((err as Error)?.message ?? err);
  } finally {
    if (!o.keep) {
      const exchanges = [...sources, burstSource].flatMap((s) => s.exchanges);
      await cleanup({ kafka, prefix, redis, sql, keyPrefix: names.keyPrefix, table: names.table, ownTable: true, runId: id, exchanges }).catch((e) => h.log(`cleanup failed: ${e}`));
    }
    redis.disconnect();
    await sql.end({ timeout: 2 });
  }

  const base: Omit<ChaosResult, "findings"> = {
    startedAt,
    command,
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "?", bun: Bun.version, os: `${type()} ${release()}` },
    stack: stackDescription(),
    run: names,
    options: { ...o },
    phases: phases.map((p) => ({ ...p.result, account: accounts.get(p.ledger) ?? null })),
    totals,
    unknownInValid: unknown,
    accountError,
    events: runEvents,
  };
  return { result: { ...base, findings: findings(base) }, logs: system.logs };
}
