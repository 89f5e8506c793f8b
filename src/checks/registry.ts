// The check registry: the list of entries (one per check, in entries/), the single source of truth
// for the engine, `GET /v1/checks`, docs/checks.md (scripts/render-checks.ts) and config validation.
//
// The order is stable and meaningful: codes in a result are listed in this order, and the position
// of an entry is its bit. Append a new check at the end of its group; never reuse or rename an id.
// docs/adding-a-check.md walks through adding one.
import { compileParams, compileReadTick, compileRunHistory, compileRunSequence, compileRunValue, type RawParams, type ReadTick, type RunHistory, type RunValue } from "./compile.ts";
import type { CheckEntry, Params, ParamSpec, Severity } from "./define.ts";
import { HISTORY } from "./entries/history.ts";
import { IDENTITY } from "./entries/identity.ts";
import { QUOTE } from "./entries/quote.ts";
import { SCHEMA } from "./entries/schema.ts";
import { SEQUENCE } from "./entries/sequence.ts";
import { TRADE } from "./entries/trade.ts";

export const CHECK_ENTRIES: readonly CheckEntry[] = [...SCHEMA, ...IDENTITY, ...TRADE, ...QUOTE, ...SEQUENCE, ...HISTORY];

/** Two 32-bit words of fired bits (Scratch.m0, m1). */
export const MAX_CHECKS = 64;

/** The guards the engine fires itself: every registry must have them. */
const GUARD_IDS = ["schema.unreadable", "tick.too_large", "schema.missing_field", "schema.string_too_long"] as const;

/** A check as `GET /v1/checks` and docs/checks.md show it: plain JSON, no functions. */
export interface CheckSpec {
  readonly id: string;
  readonly severity: Severity;
  readonly description: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  readonly stateful: boolean;
  /** A stateful check's state policy (what updates the state it reads, and why). */
  readonly state?: string;
  readonly overridable: boolean;
  readonly reads: readonly string[];
}

/** Everything the engine and the config need from a list of entries, derived once. */
export interface Registry {
  readonly entries: readonly CheckEntry[];
  /** The public view of each entry, in order. */
  readonly checks: readonly CheckSpec[];
  /** Check id → its bit (its position). */
  readonly index: ReadonlyMap<string, number>;
  /** Flat parameter name → its spec (names are unique across checks: config keys are flat). */
  readonly paramSpecs: ReadonlyMap<string, ParamSpec>;
  /** Bits of the guards the engine fires itself. */
  readonly guards: { readonly unreadable: number; readonly tooLarge: number; readonly missing: number; readonly tooLong: number };
  readonly readTick: ReadTick;
  readonly runValue: RunValue;
  readonly runSequence: RunHistory;
  readonly runHistory: RunHistory;
  /** Compiles raw parameter values (every parameter present) into the object the checks read. */
  readonly makeParams: (raw: RawParams) => Params;
}

/** Builds a registry from entries; throws naming the entry when the list is not one the engine can run. */
export function createRegistry(entries: readonly CheckEntry[]): Registry {
  if (entries.length > MAX_CHECKS) throw new Error(`registry: ${entries.length} checks, at most ${MAX_CHECKS} fit the fired-bit words`);
  const index = new Map<string, number>();
  const paramSpecs = new Map<string, ParamSpec>();
  const paramNames = new Set<string>(); // parameters and derived values share the one Params object
  // Stages in the order a tick meets them: a stateless check after a stateful one, or a sequence
  // check after a history one, would be listed out of that order.
  const RANK = { guard: 0, shape: 0, field: 0, value: 0, sequence: 1, history: 2 } as const;
  let rank = 0;
  entries.forEach((e, i) => {
    if (index.has(e.id)) throw new Error(`registry: check ${e.id} listed twice`);
    index.set(e.id, i);
    for (const [name, spec] of Object.entries(e.params)) {
      for (const n of [name, ...Object.keys(spec.derived ?? {})]) {
        if (paramNames.has(n)) throw new Error(`registry: parameter ${n} of ${e.id} is declared by another check`);
        paramNames.add(n);
      }
      paramSpecs.set(name, spec);
    }
    if (e.stage === "field" && e.reads.length !== 1) throw new Error(`registry: field check ${e.id} must read exactly one field`);
    if (e.stage === "guard" && !(GUARD_IDS as readonly string[]).includes(e.id)) throw new Error(`registry: ${e.id} is a guard the engine does not fire; give it a function (stage shape, field, value or history)`);
    if (RANK[e.stage] < rank) throw new Error(`registry: ${e.id} (${e.stage}) is listed after a ${rank === 2 ? "history" : "sequence"} check; stateless checks come first, then sequence, then history`);
    rank = RANK[e.stage];
  });
  const bit = (id: string) => {
    const i = index.get(id);
    if (i === undefined) throw new Error(`registry: the engine needs the guard ${id}`);
    return i;
  };
  const guards = { unreadable: bit("schema.unreadable"), tooLarge: bit("tick.too_large"), missing: bit("schema.missing_field"), tooLong: bit("schema.string_too_long") };
  return {
    entries,
    checks: entries.map(publicView),
    index,
    paramSpecs,
    guards,
    readTick: compileReadTick(entries, guards),
    runValue: compileRunValue(entries),
    runSequence: compileRunSequence(entries),
    runHistory: compileRunHistory(entries),
    makeParams: compileParams(paramSpecs),
  };
}

function publicView(e: CheckEntry): CheckSpec {
  // ifNull and derived are how the engine reads a value, not part of the contract.
  const params = Object.fromEntries(Object.entries(e.params).map(([name, { ifNull: _, derived: __, ...spec }]) => [name, spec]));
  const stateful = e.stage === "sequence" || e.stage === "history";
  return {
    id: e.id, severity: e.severity, description: e.description, params, stateful,
    ...(stateful ? { state: e.state } : {}), overridable: e.overridable, reads: e.reads,
  };
}

/** The built-in checks. */
export const REGISTRY: Registry = createRegistry(CHECK_ENTRIES);
export const CHECKS: readonly CheckSpec[] = REGISTRY.checks;
export const CHECK_INDEX: ReadonlyMap<string, number> = REGISTRY.index;

/** Every parameter at its registry default. */
export function defaultRawParams(registry: Registry = REGISTRY): RawParams {
  const out: RawParams = {};
  for (const [name, spec] of registry.paramSpecs) out[name] = spec.default;
  return out;
}
