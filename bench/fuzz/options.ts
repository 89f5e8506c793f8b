// Command-line options of the fuzzer: one literal table (flag, default, parser, help), parsed once.
//   bun run fuzz -- --bodies 100000 --seed 1 [--url http://… --pid N] [--concurrency 8] [--only 17,42]
import { bool, flag, formatUsage, keyValue, listOf, parseFlags, str, type FlagTable, type Parse } from "../lib/flags.ts";

export interface FuzzOptions {
  bodies: number;
  seed: number;
  /** first index of the run (a run covers [from, from + bodies)) */
  from: number;
  /** replay only these indices */
  only: number[] | null;
  url: string | null;
  pid: number | null;
  concurrency: number;
  rawConcurrency: number;
  timeoutMs: number;
  holdTimeoutMs: number;
  workers: number | null;
  /** extra environment of the server child, KEY=VALUE */
  env: Record<string, string>;
  out: string;
  progress: boolean;
  /** skip the closing good batch and /readyz check */
  final: boolean;
  /** seconds of idling after the run for the settled RSS figure */
  settle: number;
  maxTicks: number;
  ndjsonMaxTicks: number;
  bodyLimit: number;
}

// fuzz's integers name their range in the one message, and read a blank as 0 (Number("") is 0).
const int = (min: number, max = Number.MAX_SAFE_INTEGER): Parse => (raw, name) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} wants an integer in [${min}, ${max}], got ${JSON.stringify(raw)}`);
  return n;
};

export const FLAGS: FlagTable<FuzzOptions> = {
  bodies: flag("bodies", "100000", int(1, 100_000_000), "cases to send (each an HTTP body, a WebSocket connection of 1-6 frames, or a raw socket)"),
  seed: flag("seed", "1", int(0, 0xffffffff), "run seed: case i is rebuilt from (seed, i) alone"),
  from: flag("from", "0", int(0), "first case index"),
  only: flag("only", null, listOf(int(0)), "replay only these case indices (comma-separated); prints each case and its answer"),
  url: flag("url", null, str, "fuzz a running tickgate instead of starting one"),
  pid: flag("pid", null, int(1), "with --url: the server's pid, for RSS and crash detection"),
  concurrency: flag("concurrency", "8", int(1, 256), "cases in flight (HTTP requests or WebSocket connections)"),
  "raw-concurrency": flag("rawConcurrency", "4", int(1, 64), "raw TCP cases in flight"),
  timeout: flag("timeoutMs", "15000", int(100), "per-request bound, ms: no answer by then is a failure"),
  "hold-timeout": flag("holdTimeoutMs", "45000", int(100), "bound for raw cases that hold the socket open, ms (the server's idle timeout is 30 s)"),
  workers: flag("workers", null, int(1, 256), "WORKERS of the tickgate child (default: its own, = vCPUs)"),
  env: flag("env", null, keyValue, "extra environment for the tickgate child, KEY=VALUE (repeatable)"),
  out: flag("out", "bench/results", str, "directory for fuzz-<timestamp>.{json,md}"),
  progress: flag("progress", "true", bool, "print progress on stderr every few seconds"),
  final: flag("final", "true", bool, "end with a good batch (all accepted) and /readyz"),
  settle: flag("settle", "10", int(0, 600), "seconds to idle after the run before the settled RSS figure (the lowest RSS in that window)"),
  "max-ticks": flag("maxTicks", "100000", int(1), "the server's MAX_TICKS_PER_REQUEST (for the reference model)"),
  "ndjson-max-ticks": flag("ndjsonMaxTicks", "100000", int(1), "the server's NDJSON_MAX_TICKS (for the reference model; a server the fuzzer starts gets it, so the over-limit NDJSON cases stay cheap)"),
  "body-limit": flag("bodyLimit", "4194304", int(1), "the server's BODY_LIMIT_BYTES (for the reference model)"),
};

export const usage = (): string => formatUsage("bun run fuzz", FLAGS, 16);

export function parseArgs(argv: string[]): FuzzOptions {
  const opts = parseFlags<FuzzOptions>(argv, FLAGS, usage).values;
  if (opts.pid !== null && !opts.url) throw new Error("--pid goes with --url (without --url the fuzzer starts its own server and knows its pid)");
  if (!opts.url) {
    // A server the fuzzer starts runs with these limits, so the reference model agrees with it.
    opts.env.MAX_TICKS_PER_REQUEST ??= String(opts.maxTicks);
    opts.env.NDJSON_MAX_TICKS ??= String(opts.ndjsonMaxTicks);
    opts.env.BODY_LIMIT_BYTES ??= String(opts.bodyLimit);
  }
  return opts;
}
