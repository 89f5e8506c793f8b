// What one check is: a single entry holding its id, severity, description, parameters (with their
// defaults and bounds), the tick fields it reads, and its function. Modelled on spectral's rulesets
// and valibot's actions: metadata and behaviour together, config validated once at load, a small
// pure function per check. The registry (registry.ts) is the list of entries; a check's bit is its
// position in that list, never a number written by hand.
//
// Every check has one of six stages, the order a tick meets them in (validator.ts):
//   "guard"   fired by the engine itself, because it applies to every field or to the tick as a
//             whole (its size, a missing or over-long field, a throwing getter); no function.
//   "shape"   fires(raw, g): the decoded value is not a tick at all; nothing else is read. Shape
//             checks run in order and stop at the first that fires, so later ones see a plain object.
//   "field"   parse(v, c, g): reads one field into the Scratch and returns false when the value is
//             not valid. The engine handles absent fields (schema.missing_field when `required`)
//             and over-long strings (schema.string_too_long; for an optional field, its own check)
//             first, so parse sees a present value of bounded length.
//   "value"   fires(c, p): a condition on the parsed fields of one tick (stateless).
//   "sequence" fires(c, p, st, s): a condition on the tick's seq against its stream's (stateful);
//             runs for every tick whose type is known, rejected ones too: a seq number describes
//             the transport (was a message lost, repeated, reordered?), not whether the content is
//             valid, so a tick rejected for its content still tells the stream's position.
//   "history" fires(c, p, st, s): a condition against the symbol's history (stateful); runs only for
//             ticks that passed every value reject. `s` is the symbol's slot, -1 for a new symbol.
// A stateful check says in `state` what updates the state it reads, on accept, on flag and on
// reject, and why (commit.ts carries it out; docs/checks.md shows it).
// Checks that name `on: "trade" | "quote"` run only for that tick type.
import type { Tick, TickType } from "../tick.ts";
import type { Scratch } from "./scratch.ts";
import type { SymbolStore } from "./state.ts";

export type Severity = "reject" | "flag";
export type ParamType = "integer" | "number" | "number|null" | "string[]";

export interface ParamSpec {
  readonly default: number | null | readonly string[];
  readonly description: string;
  readonly type: ParamType;
  /** Inclusive bounds for numbers, checked when the config is loaded. */
  readonly min?: number;
  readonly max?: number;
  /** Only settable under `defaults` (it is read before the tick's exchange/symbol is known). */
  readonly global?: boolean;
  /** For "string[]": what each item names, normalised as the tick's field is. */
  readonly items?: "exchange" | "symbol";
  /** For "number|null": the value a check sees for null ("no bound": Infinity for a maximum, 0 for a minimum or a step). */
  readonly ifNull?: number;
  /**
   * Values computed from this parameter once, when the config loads, under names of their own: the
   * unit the hot path compares in (`maxAgeUs: (ms) => ms * 1000`), so no tick pays the conversion.
   */
  readonly derived?: Readonly<Record<string, (value: number) => number>>;
}

/** A parameter as a check function sees it: numbers in config units, string lists as a Set (null = any). */
export type ParamValue<S extends ParamSpec> = S["type"] extends "string[]"
  ? ReadonlySet<string> | null
  : S["type"] extends "integer" | "number" | "number|null" ? number : number | ReadonlySet<string> | null; // the last: a spec of unknown type
type DerivedNames<P> = { [K in keyof P]: P[K] extends { readonly derived: infer D } ? keyof D : never }[keyof P];
export type ParamValues<P extends Readonly<Record<string, ParamSpec>>> = { readonly [K in keyof P]: ParamValue<P[K]> } & { readonly [K in DerivedNames<P> & string]: number };

/** The compiled thresholds of one exchange:symbol: every parameter of every check, one object shape. */
export type Params = Readonly<Record<string, number | ReadonlySet<string> | null>>;

interface Common<P extends Readonly<Record<string, ParamSpec>>> {
  readonly id: string;
  readonly severity: Severity;
  readonly description: string;
  readonly params: P;
  /** false for checks whose failure leaves no usable tick: their severity cannot be changed or turned off. */
  readonly overridable: boolean;
  /** The tick fields the check reads (documentation, and the field a "field" check parses). */
  readonly reads: readonly (keyof Tick)[];
  /** A rule across the check's parameters, checked per config scope at load: [param, message] when broken. */
  readonly paramRule?: (values: Readonly<Record<string, unknown>>) => readonly [param: string, message: string] | null;
}

export interface GuardCheck<P extends Readonly<Record<string, ParamSpec>> = Readonly<Record<string, ParamSpec>>> extends Common<P> {
  readonly stage: "guard";
}

export interface ShapeCheck<P extends Readonly<Record<string, ParamSpec>> = Readonly<Record<string, ParamSpec>>> extends Common<P> {
  readonly stage: "shape";
  /** true when the value is not a tick. `g` holds the global parameters. */
  readonly fires: (raw: unknown, g: Params) => boolean;
}

export interface FieldCheck<P extends Readonly<Record<string, ParamSpec>> = Readonly<Record<string, ParamSpec>>> extends Common<P> {
  readonly stage: "field";
  readonly on?: TickType;
  /** Absent (undefined or null) fires schema.missing_field when true; an absent optional field is skipped. */
  readonly required: boolean;
  /** Stores the parsed value of `reads[0]` in the Scratch; false when it is not valid. */
  readonly parse: (v: unknown, c: Scratch, g: Params) => boolean;
}

export interface ValueCheck<P extends Readonly<Record<string, ParamSpec>> = Readonly<Record<string, ParamSpec>>> extends Common<P> {
  readonly stage: "value";
  readonly on?: TickType;
  /** A field that failed to parse is NaN and every comparison with NaN is false: no check fires on top of a parse failure. */
  readonly fires: (c: Scratch, p: ParamValues<P>) => boolean;
}

interface Stateful<P extends Readonly<Record<string, ParamSpec>>> extends Common<P> {
  readonly on?: TickType;
  readonly fires: (c: Scratch, p: ParamValues<P>, st: SymbolStore, s: number) => boolean;
  /** The state policy: what updates the state the check reads, on accept, on flag and on reject, and why. */
  readonly state: string;
}

export interface SequenceCheck<P extends Readonly<Record<string, ParamSpec>> = Readonly<Record<string, ParamSpec>>> extends Stateful<P> {
  readonly stage: "sequence";
}

export interface HistoryCheck<P extends Readonly<Record<string, ParamSpec>> = Readonly<Record<string, ParamSpec>>> extends Stateful<P> {
  readonly stage: "history";
}

export type CheckEntry = GuardCheck | ShapeCheck | FieldCheck | ValueCheck | SequenceCheck | HistoryCheck;

// One function per stage, so TypeScript infers each entry's own parameter names and types for its
// function (`p.maxSpreadBps` is a number there; a misspelt name does not compile).
type AnyParams = Readonly<Record<string, ParamSpec>>;
export const guard = <const P extends AnyParams>(e: Omit<GuardCheck<P>, "stage">): CheckEntry => ({ stage: "guard", ...e }) as CheckEntry;
export const shape = <const P extends AnyParams>(e: Omit<ShapeCheck<P>, "stage">): CheckEntry => ({ stage: "shape", ...e }) as CheckEntry;
export const field = <const P extends AnyParams>(e: Omit<FieldCheck<P>, "stage">): CheckEntry => ({ stage: "field", ...e }) as CheckEntry;
export const value = <const P extends AnyParams>(e: Omit<ValueCheck<P>, "stage">): CheckEntry => ({ stage: "value", ...e }) as unknown as CheckEntry;
export const sequence = <const P extends AnyParams>(e: Omit<SequenceCheck<P>, "stage">): CheckEntry => ({ stage: "sequence", ...e }) as unknown as CheckEntry;
export const history = <const P extends AnyParams>(e: Omit<HistoryCheck<P>, "stage">): CheckEntry => ({ stage: "history", ...e }) as unknown as CheckEntry;

/** Shorthand for a check without parameters. */
export const none = {} as const;
