// `bun run validate -- FILE`: the server's checks, offline (no Kafka, Redis or PostgreSQL), over a
// file of ticks (NDJSON, JSON, MessagePack; "-" = stdin), in file order. This file parses the
// arguments and maps outcomes to exit codes: 0 every tick accepted (flags allowed), 1 any rejected,
// 2 bad usage, a bad checks config, or a file that cannot be read as its format. docs/validate.md.
import { ConfigError, DEFAULT_MAX_SYMBOLS, loadChecksConfig, type ChecksConfig } from "../checks/index.ts";
import { parseClock, type Clock } from "./clock.ts";
import { FORMATS, InputError, openInput, type Format, type TickSink } from "./input.ts";
import { readJsonFile } from "./json-file.ts";
import { readMsgpackFile } from "./msgpack-file.ts";
import { readNdjsonFile } from "./ndjson-file.ts";
import { reportJson, reportText } from "./report.ts";
import { Tally } from "./tally.ts";
import { Verdicts } from "./verdict.ts";

const USAGE = `usage: bun run validate -- [options] FILE      (FILE "-" reads stdin)
  --format ndjson|json|msgpack   default: by extension (.ndjson .jsonl / .json / .msgpack .mpk), else sniffed
  --config FILE                  checks config, as CHECKS_CONFIG (default: $CHECKS_CONFIG, else the defaults)
  --clock wall|tick|TIME         receive time: now (default), each tick's own ts, or a fixed epoch ms / ISO-8601 time
  --json                         print one JSON object instead of the text summary
  --show N                       list at most N rejected and N flagged ticks (default 20)
  --max-bytes N[K|M|G]           largest JSON / MessagePack file, read whole (default 1G; NDJSON streams)
  --max-symbols N                symbols with state at once (default ${DEFAULT_MAX_SYMBOLS}); past it the least recently accepted is forgotten
exit: 0 all accepted, 1 some rejected, 2 bad usage, config or file`;

interface Options {
  file: string;
  format?: Format;
  config: string | null;
  clock: Clock;
  json: boolean;
  show: number;
  maxBytes: number;
  maxSymbols: number;
}

class UsageError extends Error {}

const SIZE_UNITS: Record<string, number> = { "": 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 };

function count(name: string, raw: string, min: number): number {
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)) || Number(raw) < min) throw new UsageError(`${name} expects an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

function bytes(raw: string): number {
  const m = /^(\d+)([kmg]?)(?:i?b)?$/i.exec(raw);
  const n = m ? Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]! : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--max-bytes expects a size such as 1048576, 512M or 2G, got ${JSON.stringify(raw)}`);
  return n;
}

/** The options from argv (after the script); throws UsageError. Returns null for --help. */
export function parseArgs(argv: string[], env: Record<string, string | undefined> = process.env): Options | null {
  const o: Partial<Options> & { files: string[] } = { files: [], json: false, show: 20, maxBytes: 2 ** 30, maxSymbols: DEFAULT_MAX_SYMBOLS };
  let clock = "wall";
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      o.files.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "-" || !arg.startsWith("-")) {
      o.files.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => {
      if (eq > 0) return arg.slice(eq + 1);
      if (i + 1 >= argv.length) throw new UsageError(`${name} needs a value`);
      return argv[++i]!;
    };
    const flag = () => {
      if (eq > 0) throw new UsageError(`${name} takes no value`);
    };
    switch (name) {
      case "-h": case "--help": flag(); return null;
      case "--json": flag(); o.json = true; break;
      case "--format": {
        const f = value().toLowerCase();
        if (!FORMATS.includes(f as Format)) throw new UsageError(`--format expects one of ${FORMATS.join(", ")}, got ${JSON.stringify(f)}`);
        o.format = f as Format;
        break;
      }
      case "--config": config = value(); break;
      case "--clock": clock = value(); break;
      case "--show": o.show = count(name, value(), 0); break;
      case "--max-bytes": o.maxBytes = bytes(value()); break;
      case "--max-symbols": o.maxSymbols = count(name, value(), 1); break;
      default: throw new UsageError(`unknown option ${name}`);
    }
  }
  if (o.files.length === 0) throw new UsageError("missing FILE (use - for stdin)");
  if (o.files.length > 1) throw new UsageError(`one FILE at a time, got ${o.files.length}: ${o.files.join(" ")}`);
  const parsedClock = parseClock(clock);
  if (!parsedClock) throw new UsageError(`--clock expects wall, tick, epoch ms or an ISO-8601 time with a zone, got ${JSON.stringify(clock)}`);
  // The server's own setting when the flag is absent: the same variable names the same file.
  const configPath = config ?? (env.CHECKS_CONFIG || null);
  return { file: o.files[0]!, format: o.format, config: configPath, clock: parsedClock, json: o.json!, show: o.show!, maxBytes: o.maxBytes!, maxSymbols: o.maxSymbols! };
}

/** Runs the CLI; resolves with the exit code and what to print on stdout and stderr. */
export async function run(argv: string[], env: Record<string, string | undefined> = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  let o: Options | null;
  try {
    o = parseArgs(argv, env);
  } catch (err) {
    if (err instanceof UsageError) return { code: 2, stdout: "", stderr: `validate: ${err.message}\n${USAGE}\n` };
    throw err;
  }
  if (o === null) return { code: 0, stdout: `${USAGE}\n`, stderr: "" };
  let config: ChecksConfig;
  try {
    config = o.config === null ? loadChecksConfig({}) : loadChecksConfig(o.config);
  } catch (err) {
    if (err instanceof ConfigError) return { code: 2, stdout: "", stderr: `validate: checks config ${o.config} is invalid: ${err.message}\n` };
    throw err;
  }
  const verdicts = new Verdicts(config, o.maxSymbols, o.clock);
  const tally = new Tally(o.show);
  const onTick: TickSink = (value, at, unreadable) => tally.add(at, unreadable === undefined ? verdicts.of(value) : verdicts.unreadable());
  let format: Format;
  try {
    const input = await openInput(o.file, o.format);
    format = input.format;
    if (format === "ndjson") await readNdjsonFile(input, onTick);
    else if (format === "json") await readJsonFile(input, o.maxBytes, onTick);
    else await readMsgpackFile(input, o.maxBytes, onTick);
  } catch (err) {
    if (err instanceof InputError) return { code: 2, stdout: "", stderr: `validate: ${err.message}\n` };
    throw err;
  }
  const info = { file: o.file, format, config: o.config, clock: o.clock, tally, symbols: verdicts.validator.stats() };
  const stdout = o.json ? `${JSON.stringify(reportJson(info))}\n` : reportText(info);
  return { code: tally.rejected > 0 ? 1 : 0, stdout, stderr: "" };
}

if (import.meta.main) {
  let result: { code: number; stdout: string; stderr: string };
  try {
    result = await run(process.argv.slice(2));
  } catch (err) {
    // A bug, or an I/O failure no reader names: still exit 2 with the reason, never a stack dump alone.
    result = { code: 2, stdout: "", stderr: `validate: ${(err as Error)?.stack ?? err}\n` };
  }
  if (result.stdout) await Bun.write(Bun.stdout, result.stdout);
  if (result.stderr) await Bun.write(Bun.stderr, result.stderr);
  process.exit(result.code);
}
