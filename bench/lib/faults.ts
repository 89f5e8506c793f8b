// Injected faults for the quality benchmark, the machinery: a fault class is a function that, at a
// position of one symbol in a clean stream (market.ts), replaces, inserts or drops ticks, and says
// which ticks are the fault's ticks, which of them must be caught ("detect" ticks), and which codes,
// at which severity, count as catching it. placeFaults() spreads the faults of one class over a
// stream so that the follow-up window after each fault holds no other fault of the same symbol, and
// applyFaults() builds the faulted copy. The classes: fault-classes.ts and fault-malformed.ts.
import type { GenTick, Market, Regime, SymbolSpec } from "./market.ts";
import { prng } from "./prng.ts";

export type Severity = "reject" | "flag";
export interface Catch { code: string; as: Severity }
export type Raw = Record<string, unknown>;

/** One injected fault, as the scorer sees it. */
export interface Fault {
  cls: string;
  sym: number;
  variant: string;
  catches: Catch[];
  /** Ids (in the faulted stream) of every tick the fault made or marks: none is scored as collateral. */
  faultIds: number[];
  /** The subset that must each carry one of `catches` for the fault to count as caught. */
  detectIds: number[];
}

/** What a fault class sees: one symbol's ticks in the clean stream, and the edits it may make. */
export class FaultCtx {
  readonly replaced = new Map<number, GenTick>(); // clean position → tick put in its place
  readonly inserted = new Map<number, GenTick[]>(); // clean position → ticks that follow it
  readonly dropped = new Set<number>();
  reorders = false; // an edit changed receive times: the faulted stream is re-sorted by them
  private cur: Fault | null = null;
  private maxI = -1; // the last symbol index the current fault touched
  L: number[] = []; // the symbol's positions in the clean stream
  sym = 0;

  constructor(readonly m: Market, readonly rng: () => number, private nextId: number) {}

  get spec(): SymbolSpec { return this.m.symbols[this.sym]!; }
  tick(i: number): GenTick { return this.m.ticks[this.L[i]!]!; }
  raw(i: number): Raw { return this.tick(i).raw as Raw; }
  pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.rng() * xs.length)]!; }
  between(a: number, b: number): number { return a + (b - a) * this.rng(); }

  /** Symbol index ≥ i of the next tick of `kind`, or -1. */
  find(i: number, kind: number): number {
    for (let j = i; j < this.L.length; j++) if (this.tick(j).kind === kind) return j;
    return -1;
  }

  /** Symbol index of the k-th tick of `kind` before i (k = 1: the nearest), or -1. */
  back(i: number, kind: number, k: number): number {
    for (let j = i - 1; j >= 0; j--) if (this.tick(j).kind === kind && --k === 0) return j;
    return -1;
  }

  /** Starts a fault of class `cls` at the current symbol; edits from here on belong to it. */
  begin(cls: string, catches: Catch[]): void {
    this.cur = { cls, sym: this.sym, variant: "", catches, faultIds: [], detectIds: [] };
    this.maxI = -1;
  }

  /** Names the variant of the fault being made, and its own catching codes when they differ from the class's. */
  declare(variant: string, catches?: Catch[]): void {
    this.cur!.variant = variant;
    if (catches) this.cur!.catches = catches;
  }

  /** The fault just made, and the last symbol index it touched. */
  end(): { fault: Fault; last: number } {
    const f = this.cur!;
    this.cur = null;
    return { fault: f, last: this.maxI };
  }

  private touch(i: number): void { if (i > this.maxI) this.maxI = i; }

  private made(t: GenTick, detect: boolean): GenTick {
    this.cur!.faultIds.push(t.id);
    if (detect) this.cur!.detectIds.push(t.id);
    return t;
  }

  /** Puts `raw` in the place of tick i (a corrupted message: same arrival, a new id). */
  replace(i: number, raw: unknown, detect = true, recv = this.tick(i).recv): void {
    const t = this.tick(i);
    this.touch(i);
    this.replaced.set(this.L[i]!, this.made({ ...t, id: this.nextId++, raw, recv }, detect));
  }

  /** Inserts `raw` right after tick i, arriving with it (a replayed or stray message). */
  insertAfter(i: number, raw: unknown, kind = this.tick(i).kind, bytes = 0): void {
    const t = this.tick(i);
    this.touch(i);
    const list = this.inserted.get(this.L[i]!) ?? [];
    list.push(this.made({ id: this.nextId++, sym: this.sym, kind, raw, recv: t.recv, bytes }, true));
    this.inserted.set(this.L[i]!, list);
  }

  drop(i: number): void { this.touch(i); this.dropped.add(this.L[i]!); }

  /** Marks clean tick i as one of the fault's ticks, unchanged (e.g. the first tick after a gap). */
  mark(i: number, detect: boolean): void { this.touch(i); this.made(this.tick(i), detect); }

  /** Ids handed out so far (the clean ticks' and the new ones): the size of an array indexed by id. */
  get ids(): number { return this.nextId; }
}

/**
 * A fault class. `apply` makes one fault at or after symbol index i (x.begin … edits) and returns
 * true, or returns false having edited nothing when it cannot apply there.
 */
export interface FaultClass {
  id: string;
  about: string; // what it models, for the docs
  catches: Catch[]; // every code that may count for it (a variant declares its own subset)
  /** Regimes where the checks claim to catch it (its recall target); measured everywhere. Default: all. */
  claimed?: readonly Regime[];
  apply(x: FaultCtx, i: number): boolean;
}

export const R = (code: string): Catch => ({ code, as: "reject" });
export const F = (code: string): Catch => ({ code, as: "flag" });

/**
 * A class that edits at the first tick of `kind` (any kind: null) at or after i. `edit` returns
 * false, before editing anything, when it cannot apply there.
 */
export function simple(id: string, about: string, catches: Catch[], kind: number | null, edit: (x: FaultCtx, j: number) => boolean | void): FaultClass {
  return {
    id, about, catches,
    apply(x, i) {
      const j = kind === null ? i : x.find(i, kind);
      if (j < 0) return false;
      x.begin(id, catches);
      return edit(x, j) !== false;
    },
  };
}

export interface Placement { faults: Fault[]; ctx: FaultCtx }

/** Follow-up window: the ticks of a symbol after a fault that are scored for collateral. */
export const WINDOW = 40;
/** Ticks of each symbol left alone at the start, so that every rolling window of the checks is warm. */
export const WARMUP = 300;

/**
 * Places faults of one class over every symbol of `m`: after the warm-up, then after each fault its
 * follow-up window plus a random gap of 0–60 ticks of the symbol, so no fault falls in another's window.
 */
export function placeFaults(m: Market, cls: FaultClass, seed: number): Placement {
  const rng = prng(seed);
  const ctx = new FaultCtx(m, rng, m.ticks.length);
  const bySym: number[][] = m.symbols.map(() => []);
  m.ticks.forEach((t, p) => bySym[t.sym]!.push(p));
  const faults: Fault[] = [];
  for (let s = 0; s < m.symbols.length; s++) {
    ctx.sym = s;
    ctx.L = bySym[s]!;
    let i = WARMUP + Math.floor(60 * rng());
    while (i < ctx.L.length - WINDOW - 20) {
      if (!cls.apply(ctx, i)) { i += 10; continue; }
      const { fault, last } = ctx.end();
      faults.push(fault);
      i = last + 1 + WINDOW + Math.floor(60 * rng());
    }
  }
  return { faults, ctx };
}

/** The faulted copy of the clean stream: drops, replacements and insertions, re-sorted by receive time if needed. */
export function applyFaults(m: Market, ctx: FaultCtx): GenTick[] {
  const out: GenTick[] = [];
  m.ticks.forEach((t, p) => {
    if (!ctx.dropped.has(p)) out.push(ctx.replaced.get(p) ?? t);
    const ins = ctx.inserted.get(p);
    if (ins) out.push(...ins);
  });
  if (ctx.reorders) out.sort((a, b) => a.recv - b.recv); // stable: a feed's order is kept
  return out;
}
