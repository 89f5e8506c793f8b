// tickgate's one binary. ROLE=all runs ingest + validator workers + a sink worker; ROLE=ingest the
// first two; ROLE=sink only the sink. Configuration errors stop the process before it binds a port.
import { readFileSync } from "node:fs";
import { loadChecksConfig } from "./checks/index.ts";
import { loadConfig, topics, type Config } from "./config.ts";
import { createApp } from "./http/app.ts";
import { createProbes } from "./http/probes.ts";
import { OpenSockets } from "./http/stream.ts";
import { ValidatorPool } from "./ingest/pool.ts";
import { SinkProgress } from "./ingest/sink-progress.ts";
import { createKafka } from "./kafka/client.ts";
import { ensureTopics } from "./kafka/topics.ts";
import { log } from "./log.ts";
import { startSinkRunner, type SinkRunner } from "./sink/runner.ts";

function fatal(what: string, err: unknown): never {
  log.error(`tickgate: ${what}`, { error: String((err as Error)?.message ?? err) });
  process.exit(1);
}

/** The checks config as a plain object, read from CHECKS_CONFIG and validated. Throws on a bad file. */
function readChecksConfig(config: Config): unknown {
  if (!config.CHECKS_CONFIG) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(config.CHECKS_CONFIG, "utf8"));
  } catch (err) {
    throw new Error(`CHECKS_CONFIG=${config.CHECKS_CONFIG} cannot be read: ${(err as Error).message}`);
  }
  loadChecksConfig(raw as object);
  return raw;
}

export async function main(env: Record<string, string | undefined> = process.env) {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    fatal("invalid configuration", err);
  }
  let checksConfig: unknown;
  try {
    checksConfig = readChecksConfig(config);
  } catch (err) {
    fatal(`CHECKS_CONFIG=${config.CHECKS_CONFIG} is invalid`, err);
  }
  const ingest = config.ROLE !== "sink";
  const t = topics(config);

  await retrying("create Kafka topics", () => ensureTopics(createKafka(config, "-admin"), [t.valid, t.rejected, t.dlq], config.KAFKA_PARTITIONS));

  let pool: ValidatorPool | null = null;
  let progress: SinkProgress | null = null;
  if (ingest) {
    // Read from Kafka in every role, so ?ack=stored and the lag bound work alike for a sink thread
    // (ROLE=all) and for separate ROLE=sink processes.
    progress = new SinkProgress(createKafka(config, "-progress"), {
      group: config.SINK_GROUP, topic: t.valid, maxLagMs: config.SINK_MAX_LAG_MS, sinkKnown: config.ROLE === "all",
    });
    progress.start();
    pool = new ValidatorPool({
      config,
      checksConfig,
      progress,
      onWorkerExit: (index, reason) => log.warn("validator worker died; restarting it", { worker: index, reason }),
    });
    await pool.start().catch((err) => fatal("validator workers did not start", err));
  }
  let sink: SinkRunner | null = null;
  if (config.ROLE !== "ingest") {
    sink = await startSinkRunner(config, config.ROLE === "all" ? "worker" : "inline").catch((err) => fatal("the sink did not start", err));
  }

  // Hot reload of the checks config (thresholds, allowlists): SIGHUP or POST /v1/checks/reload.
  // The new file is validated first; on error the running config stays.
  const reloadChecks = pool ? async () => {
    await pool!.reloadChecks(readChecksConfig(config));
    log.info("checks config reloaded", { source: config.CHECKS_CONFIG || "(defaults)" });
  } : undefined;
  process.on("SIGHUP", () => {
    reloadChecks?.().catch((err) => log.error("checks config reload failed; keeping the running config", { error: String(err?.message ?? err) }));
  });

  let stopping = false;
  const probes = createProbes(config, { pool, sinkReady: sink ? () => sink!.ready() : undefined, stopping: () => stopping });
  const sockets = new OpenSockets();
  const { app, websocket } = createApp({
    config, pool, progress, probes, reloadChecks,
    sinkMetrics: sink ? () => sink!.metricsText() : undefined,
    sinkStats: sink ? () => sink!.stats() : undefined,
    restartSink: sink ? (hard) => sink!.restart(hard) : undefined,
    sockets,
  });
  // Bun's WebSocket handlers go in last: they replace Elysia's (which would parse text frames first).
  app.listen({ port: config.PORT, hostname: config.HOST, websocket } as Parameters<typeof app.listen>[0]);
  log.info("tickgate listening", { role: config.ROLE, port: app.server?.port, workers: ingest ? config.WORKERS : 0 });

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    try {
      await stopAll();
    } catch (err) {
      log.error("shutdown failed", { error: String((err as Error)?.stack ?? err) });
      process.exit(1);
    }
  };
  const stopAll = async () => {
    const hardStop = setTimeout(() => {
      log.error("shutdown did not finish in time; exiting", { timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS + 2000);
    // Stop accepting connections, then let the pool finish what it took: every tick answered 200 is
    // in Kafka. Then close what is still open (idle keep-alive connections, WebSockets), which
    // stop(false) would wait for forever.
    // The sink stops meanwhile, within the same budget: what it does not write now stays uncommitted
    // and is consumed at the next start.
    const closing = app.server?.stop(false);
    const sinkStopped = sink?.stop();
    await pool?.shutdown(config.SHUTDOWN_TIMEOUT_MS);
    sockets.closeAll(1001, "tickgate is shutting down");
    await Promise.race([closing, Bun.sleep(500)]);
    await app.server?.stop(true);
    await sinkStopped;
    await progress?.stop();
    await probes.close();
    clearTimeout(hardStop);
    log.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  // A promise nobody handled is a bug, but not one a client may turn into a dead front door:
  // logged loudly, and the process goes on (the watchdogs replace a part that stopped working).
  process.on("unhandledRejection", (reason) => log.error("unhandled rejection (a bug: please report it)", { error: String((reason as Error)?.stack ?? reason) }));
  return { app, pool, config };
}

/** Retries a start-up step while the stack comes up (Kafka may start after tickgate in compose). */
async function retrying<T>(what: string, fn: () => Promise<T>, attempts = 30): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) fatal(`could not ${what}`, err);
      log.warn(`could not ${what}; retrying`, { attempt: i, error: String((err as Error)?.message ?? err) });
      await Bun.sleep(Math.min(500 * i, 3000));
    }
  }
}

if (import.meta.main) await main();
