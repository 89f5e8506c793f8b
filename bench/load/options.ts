// Command-line options of the load tool: one literal table (flag, default, parser, help), parsed once.
//   bun run load -- --scenario steady --mode http --batch 500 --connections 8 --rate 20000 --duration 20
import { bool, flag, formatUsage, int, keyValue, listOf, num, oneOf, parseFlags, str, type FlagTable } from "../lib/flags.ts";

export type Scenario = "steady" | "peak" | "burst" | "capacity" | "compare" | "scaling";
export type Mode = "http" | "ws" | "ndjson";
export type Target = "tickgate" | "baseline" | "ceiling";
export type Format = "json" | "msgpack";

export interface Options {
  scenario: Scenario;
  mode: Mode;
  format: Format;
  target: Target;
  batch: number;
  connections: number;
  /** ticks/s offered; 0 = as fast as the server answers (closed loop) */
  rate: number;
  duration: number;
  warmup: number;
  bad: number;
  symbols: number;
  workers: number | null;
  role: "all" | "ingest";
  url: string | null;
  prefix: string | null;
  window: number;
  low: number;
  compareRate: number;
  compareBatch: number;
  phase: number;
  p99: number;
  step: number;
  sample: number;
  e2eWait: number;
  out: string;
  keep: boolean;
  seed: number;
  progress: boolean;
  profile: boolean;
  /** ?ack= of every request: kafka (the default) or stored */
  ack: "kafka" | "stored";
  /** extra environment of the server child, KEY=VALUE */
  env: Record<string, string>;
  producers: number | null;
  scaling: number[];
}

/** Every flag. `null` defaults mean "decided by the scenario" (see scenarioDefaults). */
export const FLAGS: FlagTable<Options> = {
  scenario: flag("scenario", "steady", oneOf("steady", "peak", "burst", "capacity", "compare", "scaling"), "steady | peak | burst | capacity | compare | scaling"),
  mode: flag("mode", "http", oneOf("http", "ws", "ndjson"), "http (POST batches) | ws (frames on /v1/stream) | ndjson (POST x-ndjson)"),
  format: flag("format", "json", oneOf("json", "msgpack"), "body / frame encoding for http and ws: json | msgpack"),
  target: flag("target", "tickgate", oneOf("tickgate", "baseline", "ceiling"), "system under test for single-target scenarios"),
  batch: flag("batch", "500", int(1, 100_000), "ticks per request / frame (ceiling: records per sendBatch)"),
  connections: flag("connections", "8", int(1, 512), "concurrent HTTP connections / WebSockets"),
  rate: flag("rate", null, num(0), "offered ticks/s (0 = as fast as possible); burst: the high rate"),
  duration: flag("duration", null, num(1, 3600), "seconds per measured run (capacity: per step)"),
  warmup: flag("warmup", "2", num(0, 600), "seconds of load before each measured run (JIT, connections, broker); its ticks are in the loss account, not in the figures"),
  bad: flag("bad", "0.05", num(0, 1), "share of bad ticks (each breaks one stateless check)"),
  symbols: flag("symbols", "256", int(1, 100_000), "exchange:symbol pairs in the mix (split over the connections)"),
  workers: flag("workers", null, int(1, 256), "WORKERS of the tickgate child (default: its own, = vCPUs)"),
  role: flag("role", "all", oneOf("all", "ingest"), "ROLE of the tickgate child; ingest = no sink (Redis/PostgreSQL parts are skipped)"),
  url: flag("url", null, str, "use a running server instead of starting one (loss account needs --prefix)"),
  prefix: flag("prefix", null, str, "TOPIC_PREFIX of the server given with --url"),
  window: flag("window", "2", int(1, 64), "ws: frames in flight per connection"),
  ack: flag("ack", "kafka", oneOf("kafka", "stored"), "?ack= of every request (compare also runs an ack=stored step at --compare-rate)"),
  "compare-rate": flag("compareRate", "2000", num(1), "compare: the common offered rate of the latency comparison, ticks/s"),
  "compare-batch": flag("compareBatch", "20", int(1, 100_000), "compare: ticks per request in the latency steps (at 2000/s, 20 → 100 answers a second)"),
  low: flag("low", "100", num(0), "burst: the low rate, ticks/s"),
  phase: flag("phase", "2", num(0.1), "burst: seconds per high / low phase"),
  p99: flag("p99", "10", num(0.01), "capacity: bound on ack p99, ms"),
  step: flag("step", null, num(1), "capacity: seconds per step (default --duration or 5)"),
  sample: flag("sample", "500", int(1), "one in this many good ticks is an end-to-end sample"),
  "e2e-wait": flag("e2eWait", "30", num(0), "seconds to wait after the run for the sink to catch up"),
  out: flag("out", "bench/results", str, "directory for the JSON / SVG / markdown results"),
  keep: flag("keep", "false", bool, "keep the run's topics, Redis keys and PostgreSQL rows (default: removed after counting)"),
  seed: flag("seed", "1", int(0), "PRNG seed of the tick mix"),
  progress: flag("progress", "true", bool, "draw a progress bar on stderr"),
  env: flag("env", null, keyValue, "extra environment for the server child, KEY=VALUE (repeatable), e.g. --env SINK_FLUSH_ROWS=5000"),
  profile: flag("profile", "false", bool, "run the server under bun --cpu-prof (profile in <out>/prof-<run>/)"),
  producers: flag("producers", null, int(1, 64), "ceiling: producers (worker threads), default vCPUs"),
  scaling: flag("scaling", "1,2,4", listOf(int(1, 256)), "scaling: WORKERS values"),
};

export const usage = (): string => formatUsage("bun run load", FLAGS, 12);

/** Per-scenario defaults for the flags left null. */
function scenarioDefaults(o: Options, given: Set<keyof Options>) {
  const set = (k: keyof Options, v: unknown) => {
    if (!given.has(k)) (o as any)[k] = v;
  };
  switch (o.scenario) {
    case "steady":
      set("rate", 20_000);
      set("duration", 20);
      break;
    case "peak":
      set("rate", 0);
      set("duration", 20);
      break;
    case "burst":
      set("rate", 50_000);
      set("duration", 20);
      break;
    case "capacity":
      set("rate", 10_000);
      set("duration", 5);
      break;
    case "compare":
    case "scaling":
      set("rate", 0);
      set("duration", 15);
      break;
  }
  if (o.step === null) o.step = o.duration;
}

export function parseArgs(argv: string[]): Options {
  const { values: opts, given } = parseFlags<Options>(argv, FLAGS, usage);
  scenarioDefaults(opts, given);
  if (opts.target === "baseline" && opts.mode !== "http" && !["compare", "scaling"].includes(opts.scenario)) {
    throw new Error("--target baseline speaks HTTP only (--mode http, JSON or MessagePack bodies), like the old pipeline");
  }
  if (opts.url && !opts.prefix) console.warn("load: --url without --prefix: Kafka counts are skipped in the loss account");
  return opts;
}
