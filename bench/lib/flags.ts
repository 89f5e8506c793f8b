// Command-line flags of the bench tools (load, chaos, fuzz). A tool writes one literal table
// (flag name → option key, default, parser, help) and its own checks after parsing; this module
// holds the rest: the value parsers, the help text and the argv loop.
//   --flag value, --flag=value, a boolean alone (= true) or followed by true|false,
//   --env KEY=VALUE repeatable, -h / --help, and "--" (from `bun run x -- …`) skipped.

/** Reads one raw value; `name` is the flag as typed, for the message. Throws on a bad value. */
export type Parse = (raw: string, name: string) => unknown;

export interface NumberRules {
  /** `Number("")` and `Number(" ")` are 0, so without this a blank value (`--seed=`) reads as 0. */
  refuseBlank?: boolean;
}

export const num = (min: number, max = Infinity, { refuseBlank = false }: NumberRules = {}): Parse => (raw, name) => {
  const n = Number(raw);
  if ((refuseBlank && raw.trim() === "") || !Number.isFinite(n) || n < min || n > max) {
    throw new Error(`--${name} wants a number in [${min}, ${max}], got ${JSON.stringify(raw)}`);
  }
  return n;
};

export const int = (min: number, max = Number.MAX_SAFE_INTEGER, rules: NumberRules = {}): Parse => (raw, name) => {
  const n = num(min, max, rules)(raw, name) as number;
  if (!Number.isInteger(n)) throw new Error(`--${name} wants an integer, got ${raw}`);
  return n;
};

export const oneOf = (...values: string[]): Parse => (raw, name) => {
  if (!values.includes(raw)) throw new Error(`--${name} wants one of ${values.join("|")}, got ${JSON.stringify(raw)}`);
  return raw;
};

/** Comma-separated values, each read by `item`. */
export const listOf = (item: Parse): Parse => (raw, name) => raw.split(",").map((s) => item(s.trim(), name));

export const str: Parse = (raw) => raw;

/** The argv loop knows a boolean flag by this parser: it may stand alone, and "" reads as true. */
export const bool: Parse = (raw, name) => {
  if (raw === "" || raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw new Error(`--${name} wants true|false`);
};

/**
 * One KEY=VALUE pair, as [key, value]. The argv loop knows a repeatable flag by this parser:
 * its option is a map that starts empty and gains one entry per occurrence (the last one wins).
 */
export const keyValue: Parse = (raw, name) => {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(raw);
  if (!m) throw new Error(`--${name} wants KEY=VALUE, got ${JSON.stringify(raw)}`);
  return [m[1], m[2]];
};

export interface Flag<K extends string = string> {
  /** the option it sets */
  key: K;
  /** as it would be typed, read by `parse` like a given value, so a bad default fails at once; null: starts as null */
  default: string | null;
  parse: Parse;
  help: string;
}

/** Flag name as typed (without --) → flag; the entries' order is the order of the help text. */
export type FlagTable<O> = Record<string, Flag<keyof O & string>>;

export const flag = <K extends string>(key: K, def: string | null, parse: Parse, help: string): Flag<K> => ({ key, default: def, parse, help });

/** `command -- [flags]` and a line per flag, its help starting at column `nameWidth`; defaults null or "false" are not shown. */
export function formatUsage(command: string, table: Record<string, Flag>, nameWidth: number): string {
  const lines = Object.entries(table).map(([name, f]) => `  --${name.padEnd(nameWidth)} ${f.help}${f.default !== null && f.default !== "false" ? ` (default ${f.default})` : ""}`);
  return `${command} -- [flags]\n${lines.join("\n")}`;
}

/**
 * Reads argv against the table: every option starts at its default (in table order), then each
 * flag given sets it. Prints `usage()` and exits on -h / --help. `values` is typed as the tool's
 * options, though a tool's own rules (defaults that depend on other flags, combinations) run after;
 * `given` holds the keys set on the command line.
 */
export function parseFlags<O>(argv: string[], table: FlagTable<O>, usage: () => string): { values: O; given: Set<keyof O> } {
  const values: Record<string, unknown> = {};
  const given = new Set<keyof O>();
  for (const [name, f] of Object.entries(table)) {
    values[f.key] = f.parse === keyValue ? {} : f.default === null ? null : f.parse(f.default, name);
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") continue;
    if (a === "-h" || a === "--help") {
      console.log(usage());
      process.exit(0);
    }
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(a);
    if (!m || !table[m[1]]) throw new Error(`unknown argument ${a}\n${usage()}`);
    const f = table[m[1]];
    let raw = m[2];
    // A boolean takes the next argument only if it is true|false: `--keep --seed 3` keeps.
    if (raw === undefined) raw = f.parse === bool ? (argv[i + 1] === "true" || argv[i + 1] === "false" ? argv[++i] : "") : argv[++i];
    if (raw === undefined) throw new Error(`--${m[1]} needs a value`);
    if (f.parse === keyValue) {
      const [k, v] = f.parse(raw, m[1]) as [string, string];
      (values[f.key] as Record<string, string>)[k] = v;
    } else values[f.key] = f.parse(raw, m[1]);
    given.add(f.key);
  }
  return { values: values as O, given };
}
