// Turns a list of check entries into the functions the hot path runs: one per stage, each a
// straight line of direct calls in registry order, built once with `new Function`.
//
// Why generated: a loop over an array of check functions is one call site with ~50 targets, which
// the JIT cannot inline (a megamorphic call costs a few ns per check per tick). A generated body has
// one call site per check, each monomorphic, so the JIT inlines every check as if the calls were
// written by hand — the registry stays the only place a check is listed. The fired bit of each
// check (its position) is a literal in the generated code: `c.m0 |= 256` is one OR.
import type { CheckEntry, FieldCheck, HistoryCheck, Params, ParamSpec, SequenceCheck, ShapeCheck, ValueCheck } from "./define.ts";
import { KIND_QUOTE, KIND_TRADE, type Scratch } from "./scratch.ts";
import type { SymbolStore } from "./state.ts";

export type ReadTick = (raw: unknown, c: Scratch, g: Params) => void;
export type RunValue = (c: Scratch, p: Params) => void;
export type RunHistory = (c: Scratch, p: Params, st: SymbolStore, s: number) => void;
/** Raw parameter values as written in config (null = no bound). */
export type RawParams = Record<string, number | null | readonly string[]>;

/** The statement that marks check `bit` as fired (m0 holds bits 0-31, m1 bits 32-63). */
const fireCode = (bit: number) => (bit < 32 ? `c.m0 |= ${1 << bit};` : `c.m1 |= ${1 << (bit - 32)};`);

const KIND_OF = { trade: KIND_TRADE, quote: KIND_QUOTE } as const;

/** Emits `call(entry)` for every entry, the ones without `on` first, then grouped under a test of the tick type. */
function byKind<E extends { on?: "trade" | "quote" }>(entries: { e: E; bit: number; i: number }[], call: (x: { e: E; bit: number; i: number }) => string): string {
  const any = entries.filter((x) => x.e.on === undefined).map(call);
  const trade = entries.filter((x) => x.e.on === "trade").map(call);
  const quote = entries.filter((x) => x.e.on === "quote").map(call);
  return [
    ...any,
    `if (c.kind === ${KIND_OF.trade}) {`, ...trade.map((s) => `  ${s}`),
    `} else if (c.kind === ${KIND_OF.quote}) {`, ...quote.map((s) => `  ${s}`),
    `}`,
  ].join("\n");
}

/** Builds `name(...args)` from `body`, with `fns` bound as f0, f1, … (each its own constant, so each call site sees one target). */
function build<T>(name: string, args: string, fns: Function[], body: string): T {
  const bind = fns.map((_, i) => `const f${i} = fns[${i}];`).join("\n");
  return new Function("fns", `"use strict";\n${bind}\nreturn function ${name}(${args}) {\n${body}\n};`)(fns) as T;
}

interface Guards {
  missing: number;
  tooLong: number;
}

/**
 * Shape checks, then every field check: an absent field fires `guards.missing` when required, an
 * over-long string fires `guards.tooLong` (an optional field's own check), anything else goes to the entry's parse. Never throws for
 * JSON or MessagePack input (the engine still catches, for exotic objects with throwing getters).
 */
export function compileReadTick(entries: readonly CheckEntry[], guards: Guards): ReadTick {
  const fns: Function[] = [];
  const shapes: string[] = [];
  const fields: { e: FieldCheck; bit: number; i: number }[] = [];
  entries.forEach((e, bit) => {
    if (e.stage === "shape") {
      shapes.push(`if (f${fns.length}(raw, g)) { ${fireCode(bit)} return; }`);
      fns.push((e as ShapeCheck).fires);
    } else if (e.stage === "field") {
      fields.push({ e: e as FieldCheck, bit, i: fns.length });
      fns.push((e as FieldCheck).parse);
    }
  });
  const read = ({ e, bit, i }: { e: FieldCheck; bit: number; i: number }) =>
    `v = raw[${JSON.stringify(e.reads[0])}]; ` +
    `if (v === undefined || v === null) { ${e.required ? fireCode(guards.missing) : ""} } ` +
    // An optional field's failure stays its own, overridable check (a bad seq must not reject a tick
    // whose seq.invalid is set to flag or off); its parser bounds the length itself.
    `else if (typeof v === "string" && v.length > maxLen) { ${fireCode(e.required ? guards.tooLong : bit)} } ` +
    `else if (!f${i}(v, c, g)) { ${fireCode(bit)} }`;
  const body = [...shapes, "const maxLen = g.maxStringLength;", "let v;", byKind(fields, read)].join("\n");
  return build<ReadTick>("readTick", "raw, c, g", fns, body);
}

/** One call per check of `stage`, in registry order; `args` are the parameters its `fires` takes. */
function compileStage<T>(name: string, stage: "value" | "sequence" | "history", args: string, entries: readonly CheckEntry[]): T {
  type Staged = ValueCheck | SequenceCheck | HistoryCheck;
  const fns: Function[] = [];
  const list: { e: Staged; bit: number; i: number }[] = [];
  entries.forEach((e, bit) => {
    if (e.stage !== stage) return;
    list.push({ e: e as Staged, bit, i: fns.length });
    fns.push((e as Staged).fires);
  });
  return build<T>(name, args, fns, byKind(list, ({ bit, i }) => `if (f${i}(${args})) ${fireCode(bit)}`));
}

/** Every value check, in registry order. */
export const compileRunValue = (entries: readonly CheckEntry[]) => compileStage<RunValue>("runValue", "value", "c, p", entries);

/** Every sequence check, in registry order. */
export const compileRunSequence = (entries: readonly CheckEntry[]) => compileStage<RunHistory>("runSequence", "sequence", "c, p, st, s", entries);

/** Every history check, in registry order (each runs; codes are emitted by bit, so order only matters for side effects). */
export const compileRunHistory = (entries: readonly CheckEntry[]) => compileStage<RunHistory>("runHistory", "history", "c, p, st, s", entries);

/**
 * A factory of compiled thresholds: one object literal with every parameter and every derived value,
 * so every Params object has one hidden class and every `p.maxSpreadBps` read is monomorphic.
 * Parameters keep config units (null → the spec's ifNull); string lists become a Set, or null when
 * empty (= any); derived values follow their parameter.
 */
export function compileParams(specs: ReadonlyMap<string, ParamSpec>): (raw: RawParams) => Params {
  const derived = [...specs].flatMap(([name, spec]) => Object.entries(spec.derived ?? {}).map(([as, f]) => ({ name, as, f })));
  const names = [...specs.keys(), ...derived.map((d) => d.as)];
  const literal = build<(vals: unknown[]) => Params>("params", "vals", [], `return { ${names.map((n, k) => `${JSON.stringify(n)}: vals[${k}]`).join(", ")} };`);
  const convert = (spec: ParamSpec, v: RawParams[string] | undefined): unknown => {
    if (spec.type === "string[]") {
      const list = (v ?? spec.default) as readonly string[];
      return list.length ? new Set(list) : null;
    }
    return v === null || v === undefined ? (spec.ifNull ?? spec.default ?? 0) : v;
  };
  return (raw) => {
    const vals = [...specs].map(([n, spec]) => convert(spec, raw[n]));
    for (const d of derived) vals.push(d.f(vals[names.indexOf(d.name)] as number));
    return literal(vals);
  };
}
