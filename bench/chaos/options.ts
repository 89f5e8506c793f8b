// Command-line options of the chaos run: one literal table (flag, default, parser, help), parsed once.
//   bun run chaos -- --faults kafka,sink --rate 3000 --duration 5
import * as flags from "../lib/flags.ts";
import { bool, flag, formatUsage, keyValue, parseFlags, str, type FlagTable, type Parse } from "../lib/flags.ts";
import { EXTRA_FAULT_IDS, FAULT_IDS, type FaultId } from "./faults.ts";

export interface ChaosOptions {
  faults: FaultId[];
  /** ticks/s offered by all connections together */
  rate: number;
  /** seconds of steady load before each fault, and again after the system recovered */
  duration: number;
  /** seconds a killed or stopped service stays down before it is started again */
  down: number;
  connections: number;
  batch: number;
  /** ticks of the large batch sent just before the kafka, worker and ingest faults */
  burst: number;
  workers: number;
  partitions: number;
  /** exchange:symbol pairs per connection */
  symbols: number;
  /** share of ticks made to be rejected (each one a trade with a negative price and an id of its own) */
  bad: number;
  /** bound on waiting for the first 200 and for the sink to catch up after a fault, s */
  recoveryTimeout: number;
  /** bound on the end of a phase: clients' last batches answered, the sink done with the phase, s */
  settleTimeout: number;
  /** cap on a honoured Retry-After, ms */
  retryCap: number;
  /** bound on one request, ms (a request is retried after it) */
  requestTimeout: number;
  out: string;
  /** allow faulting the default stack (.stack/, default ports), which other runs and tests may be using */
  defaultStack: boolean;
  keep: boolean;
  seed: number;
  /** extra environment of both tickgate children, KEY=VALUE */
  env: Record<string, string>;
}

// chaos refuses a blank number (`--down=`) rather than reading it as 0.
const num = (min: number, max?: number): Parse => flags.num(min, max, { refuseBlank: true });
const int = (min: number, max?: number): Parse => flags.int(min, max, { refuseBlank: true });
const faultList: Parse = (raw, name) => {
  const known: readonly string[] = [...FAULT_IDS, ...EXTRA_FAULT_IDS];
  const ids = raw.split(",").map((s) => s.trim()).filter(Boolean).flatMap((id) => (id === "all" ? [...FAULT_IDS] : [id]));
  for (const id of ids) if (!known.includes(id)) throw new Error(`--${name}: unknown fault ${JSON.stringify(id)} (${known.join(", ")}, or all = the first six)`);
  if (ids.length === 0) throw new Error(`--${name} wants at least one fault`);
  return ids;
};

export const FLAGS: FlagTable<ChaosOptions> = {
  faults: flag("faults", "all", faultList, `faults to inject, in the order given: ${FAULT_IDS.join(",")} (= all), or the extras ${EXTRA_FAULT_IDS.join(",")}`),
  rate: flag("rate", "3000", num(1, 1_000_000), "ticks/s offered by all connections together"),
  duration: flag("duration", "5", num(1, 3600), "seconds of load before each fault, and again after the system recovered"),
  down: flag("down", "3", num(0, 600), "seconds a killed/stopped service stays down before it is started again"),
  connections: flag("connections", "4", int(1, 64), "HTTP client connections (each retries its batch until it gets 200)"),
  batch: flag("batch", "100", int(1, 10_000), "ticks per request"),
  burst: flag("burst", "5000", int(1, 100_000), "ticks of one large batch put in flight just before the kafka, worker and ingest faults strike"),
  workers: flag("workers", "2", int(1, 64), "WORKERS of the ingest process"),
  partitions: flag("partitions", "4", int(1, 64), "KAFKA_PARTITIONS of the run's topics"),
  symbols: flag("symbols", "8", int(1, 10_000), "exchange:symbol pairs per connection"),
  bad: flag("bad", "0.02", num(0, 1), "share of ticks made to be rejected (price.nonpositive)"),
  "recovery-timeout": flag("recoveryTimeout", "120", num(1, 3600), "seconds to wait after a fault for the first 200 and for the sink to catch up"),
  "settle-timeout": flag("settleTimeout", "120", num(1, 3600), "seconds to wait at a phase's end for the last answers and the sink"),
  "retry-cap": flag("retryCap", "1000", int(0, 60_000), "cap on a honoured Retry-After, ms"),
  "request-timeout": flag("requestTimeout", "30000", int(100, 600_000), "bound on one request, ms (then it is retried)"),
  out: flag("out", "bench/results", str, "directory of chaos-<timestamp>.{md,json} and the children's logs"),
  "default-stack": flag("defaultStack", "false", bool, "allow killing the services of the default stack (STACK_DIR unset: .stack/, default ports); without it the run wants a stack of its own"),
  keep: flag("keep", "false", bool, "keep the run's topics, Redis keys and table (default: removed after counting)"),
  seed: flag("seed", "1", int(0), "PRNG seed of the tick mix"),
  env: flag("env", null, keyValue, "extra environment for both tickgate children, KEY=VALUE (repeatable), e.g. --env SINK_SESSION_TIMEOUT_MS=10000"),
};

export const usage = (): string => formatUsage("bun run chaos", FLAGS, 17);

export function parseArgs(argv: string[]): ChaosOptions {
  return parseFlags<ChaosOptions>(argv, FLAGS, usage).values;
}
