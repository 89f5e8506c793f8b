// Command-line options of the load tool: one literal table (flag, default, parser, help), parsed once.
//   bun run load -- --scenario steady --mode http --batch 500 --connections 8 --rate 20000 --duration 20
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
  /** extra environment of the server child, KEY=VALUE */
  env: Record<string, string>;
  producers: number | null;
  scaling: number[];
}

type Parse = (raw: string, flag: string) => unknown;
const num = (min: number, max = Infinity): Parse => (raw, flag) => {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${flag} wants a number in [${min}, ${max}], got ${JSON.stringify(raw)}`);
  return n;
};
const int = (min: number, max = Number.MAX_SAFE_INTEGER): Parse => (raw, flag) => {
  const n = num(min, max)(raw, flag) as number;
  if (!Number.isInteger(n)) throw new Error(`--${flag} wants an integer, got ${raw}`);
  return n;
};
const oneOf = (...values: string[]): Parse => (raw, flag) => {
  if (!values.includes(raw)) throw new Error(`--${flag} wants one of ${values.join("|")}, got ${JSON.stringify(raw)}`);
  return raw;
};
const str: Parse = (raw) => raw;
const bool: Parse = (raw, flag) => {
  if (raw === "" || raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw new Error(`--${flag} wants true|false`);
};
const intList: Parse = (raw, flag) => raw.split(",").map((s) => int(1, 256)(s.trim(), flag) as number);

interface Flag {
  key: keyof Options;
  default: unknown;
  parse: Parse;
  help: string;
}
const F = (key: keyof Options, def: unknown, parse: Parse, help: string): Flag => ({ key, default: def, parse, help });

/** Every flag. `null` defaults mean "decided by the scenario" (see scenarioDefaults). */
export const FLAGS: Record<string, Flag> = {
  scenario: F("scenario", "steady", oneOf("steady", "peak", "burst", "capacity", "compare", "scaling"), "steady | peak | burst | capacity | compare | scaling"),
  mode: F("mode", "http", oneOf("http", "ws", "ndjson"), "http (POST batches) | ws (frames on /v1/stream) | ndjson (POST x-ndjson)"),
  format: F("format", "json", oneOf("json", "msgpack"), "body / frame encoding for http and ws: json | msgpack"),
  target: F("target", "tickgate", oneOf("tickgate", "baseline", "ceiling"), "system under test for single-target scenarios"),
  batch: F("batch", 500, int(1, 100_000), "ticks per request / frame (ceiling: records per sendBatch)"),
  connections: F("connections", 8, int(1, 512), "concurrent HTTP connections / WebSockets"),
  rate: F("rate", null, num(0), "offered ticks/s (0 = as fast as possible); burst: the high rate"),
  duration: F("duration", null, num(1, 3600), "seconds per measured run (capacity: per step)"),
  warmup: F("warmup", 2, num(0, 600), "seconds of load before each measured run (JIT, connections, broker); its ticks are in the loss account, not in the figures"),
  bad: F("bad", 0.05, num(0, 1), "share of bad ticks (each breaks one stateless check)"),
  symbols: F("symbols", 256, int(1, 100_000), "exchange:symbol pairs in the mix (split over the connections)"),
  workers: F("workers", null, int(1, 256), "WORKERS of the tickgate child (default: its own, = vCPUs)"),
  role: F("role", "all", oneOf("all", "ingest"), "ROLE of the tickgate child; ingest = no sink (Redis/PostgreSQL parts are skipped)"),
  url: F("url", null, str, "use a running server instead of starting one (loss account needs --prefix)"),
  prefix: F("prefix", null, str, "TOPIC_PREFIX of the server given with --url"),
  window: F("window", 2, int(1, 64), "ws: frames in flight per connection"),
  "compare-rate": F("compareRate", 2000, num(1), "compare: the common offered rate of the latency comparison, ticks/s"),
  low: F("low", 100, num(0), "burst: the low rate, ticks/s"),
  phase: F("phase", 2, num(0.1), "burst: seconds per high / low phase"),
  p99: F("p99", 10, num(0.01), "capacity: bound on ack p99, ms"),
  step: F("step", null, num(1), "capacity: seconds per step (default --duration or 5)"),
  sample: F("sample", 500, int(1), "one in this many good ticks is an end-to-end sample"),
  "e2e-wait": F("e2eWait", 30, num(0), "seconds to wait after the run for the sink to catch up"),
  out: F("out", "bench/results", str, "directory for the JSON / SVG / markdown results"),
  keep: F("keep", false, bool, "keep the run's topics, Redis keys and PostgreSQL rows (default: removed after counting)"),
  seed: F("seed", 1, int(0), "PRNG seed of the tick mix"),
  progress: F("progress", true, bool, "draw a progress bar on stderr"),
  env: F("env", null, (raw, flag) => {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(raw);
    if (!m) throw new Error(`--${flag} wants KEY=VALUE, got ${JSON.stringify(raw)}`);
    return [m[1], m[2]];
  }, "extra environment for the server child, KEY=VALUE (repeatable), e.g. --env SINK_FLUSH_ROWS=5000"),
  profile: F("profile", false, bool, "run the server under bun --cpu-prof (profile in <out>/prof-<run>/)"),
  producers: F("producers", null, int(1, 64), "ceiling: producers (worker threads), default vCPUs"),
  scaling: F("scaling", "1,2,4", intList, "scaling: WORKERS values"),
};

export function usage(): string {
  const lines = Object.entries(FLAGS).map(([name, f]) => `  --${name.padEnd(12)} ${f.help}${f.default !== null && f.default !== false ? ` (default ${f.default})` : ""}`);
  return `bun run load -- [flags]\n${lines.join("\n")}`;
}

/** Per-scenario defaults for the flags left null. */
function scenarioDefaults(o: Options, given: Set<string>) {
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
  const o: Record<string, unknown> = {};
  const given = new Set<string>();
  for (const [name, f] of Object.entries(FLAGS)) o[f.key] = f.default === null ? null : f.parse(String(f.default), name);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") continue;
    if (a === "-h" || a === "--help") {
      console.log(usage());
      process.exit(0);
    }
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(a);
    if (!m || !FLAGS[m[1]]) throw new Error(`unknown argument ${a}\n${usage()}`);
    const f = FLAGS[m[1]];
    let raw = m[2];
    if (raw === undefined) raw = f.parse === bool ? (argv[i + 1] === "true" || argv[i + 1] === "false" ? argv[++i] : "") : argv[++i];
    if (raw === undefined) throw new Error(`--${m[1]} needs a value`);
    if (f.key === "env") {
      const [k, v] = f.parse(raw, m[1]) as [string, string];
      o.env = { ...(o.env as object), [k]: v };
    } else o[f.key] = f.parse(raw, m[1]);
    given.add(f.key);
  }
  o.env ??= {};
  const opts = o as unknown as Options;
  scenarioDefaults(opts, given);
  if (opts.target === "baseline" && opts.mode !== "http" && !["compare", "scaling"].includes(opts.scenario)) {
    throw new Error("--target baseline speaks HTTP only (--mode http, JSON or MessagePack bodies), like the old pipeline");
  }
  if (opts.url && !opts.prefix) console.warn("load: --url without --prefix: Kafka counts are skipped in the loss account");
  return opts;
}
