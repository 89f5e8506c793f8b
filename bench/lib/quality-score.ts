// Scoring of the quality benchmark: per regime, a clean stream through a fresh Validator (false
// verdicts per check), then per fault class a faulted copy through another fresh Validator: recall
// on the fault ticks, and collateral — every code a tick of the follow-up window got in the faulted
// run that the same tick (same id) did not get in the clean run. One class per faulted run, so a
// class's collateral is its own. Pure computation: bench/quality.ts prints and writes the figures.
import { Validator, loadChecksConfig, type ChecksConfig } from "../../src/checks/index.ts";
import { FAULT_CLASSES } from "./fault-classes.ts";
import { WINDOW, applyFaults, placeFaults, type Catch, type Fault, type FaultClass } from "./faults.ts";
import { KIND_TRADE, REGIMES, generateMarket, marketChecksConfig, type GenTick, type Market, type Regime } from "./market.ts";

export interface QualityOptions {
  seed?: number;
  ticksPerRegime?: number;
  regimes?: readonly Regime[];
  /** Only the classes whose id starts with one of these. */
  classes?: readonly string[];
  quotesPerTrade?: number;
  deepSweeps?: boolean;
  /** Parameters set under the checks config's `defaults`, over the registry's (to try a tuning). */
  defaults?: Record<string, unknown>;
}

export type Counts = Record<string, number>;

export interface CleanFigures {
  ticks: number;
  trades: number;
  quotes: number;
  seconds: number;
  rejected: number; // ticks with at least one reject
  flagged: number; // ticks with at least one flag
  rejects: Counts; // per check: ticks that got it as a reject
  flags: Counts;
  bySymbol: Record<string, { ticks: number; rejected: number; flagged: number }>;
}

export interface ClassFigures {
  faults: number;
  caught: number;
  windowTicks: number;
  collateralRejects: number;
  collateralFlags: number;
  rejects: Counts; // collateral verdicts per code
  flags: Counts;
  missed: Counts; // "variant: codes the fault tick got" → faults
  bySymbol: Record<string, { windowTicks: number; verdicts: number }>; // collateral per symbol
}

export interface RegimeFigures {
  regime: Regime;
  clean: CleanFigures;
  classes: Record<string, ClassFigures>;
  ms: number;
}

export interface QualityReport {
  seed: number;
  ticksPerRegime: number;
  window: number;
  deepSweeps: boolean;
  /** The parameters set over the registry defaults (QualityOptions.defaults), {} when none. */
  defaults: Record<string, unknown>;
  quotesPerTrade: number;
  classes: { id: string; about: string; catches: Catch[]; claimed: Regime[] }[];
  /** Checks that no fault class counts as a catch: not measured by this benchmark. */
  uncovered: string[];
  regimes: RegimeFigures[];
  /** Over all regimes; `scored`: recall over the regimes where the class is claimed (its target). */
  overall: { clean: CleanFigures; classes: Record<string, ClassFigures>; scored: Record<string, { faults: number; caught: number }> };
  ms: number;
}

/** Fired codes of one run by tick id, as bit masks over registry positions (two words each). */
class Verdicts {
  readonly r: Int32Array;
  readonly f: Int32Array;
  constructor(ids: number) {
    this.r = new Int32Array(ids * 2);
    this.f = new Int32Array(ids * 2);
  }
}

function run(cfg: ChecksConfig, ticks: readonly GenTick[], ids: number): Verdicts {
  const v = new Validator(cfg);
  const out = new Verdicts(ids);
  const index = cfg.registry.index;
  const set = (m: Int32Array, id: number, codes: string[]) => {
    for (const c of codes) {
      const b = index.get(c)!;
      m[id * 2 + (b >> 5)]! |= 1 << (b & 31);
    }
  };
  for (const t of ticks) {
    const r = v.validate(t.raw, t.recv, t.bytes);
    if (r.rejects.length !== 0) set(out.r, t.id, r.rejects);
    if (r.flags.length !== 0) set(out.f, t.id, r.flags);
  }
  return out;
}

/** Adds the id of every set bit of the two words at m[2·id], m[2·id+1] (minus those of `not`) to `counts`; returns how many. */
function tally(ids: readonly string[], m: Int32Array, id: number, not: Int32Array | null, notId: number, counts: Counts): number {
  let n = 0;
  for (let w = 0; w < 2; w++) {
    let bits = m[id * 2 + w]! & ~(not ? not[notId * 2 + w]! : 0);
    while (bits !== 0) {
      const low = bits & -bits;
      const code = ids[w * 32 + 31 - Math.clz32(low)]!;
      counts[code] = (counts[code] ?? 0) + 1;
      bits ^= low;
      n++;
    }
  }
  return n;
}

const has = (m: Int32Array, id: number, bit: number) => (m[id * 2 + (bit >> 5)]! & (1 << (bit & 31))) !== 0;

function scoreClean(m: Market, cfg: ChecksConfig, ver: Verdicts): CleanFigures {
  const ids = cfg.registry.checks.map((c) => c.id);
  const fig: CleanFigures = { ticks: m.ticks.length, trades: 0, quotes: 0, seconds: m.seconds, rejected: 0, flagged: 0, rejects: {}, flags: {}, bySymbol: {} };
  const per = m.symbols.map((s) => (fig.bySymbol[s.symbol] = { ticks: 0, rejected: 0, flagged: 0 }));
  for (const t of m.ticks) {
    if (t.kind === KIND_TRADE) fig.trades++;
    else fig.quotes++;
    const ps = per[t.sym]!;
    ps.ticks++;
    if (tally(ids, ver.r, t.id, null, 0, fig.rejects) > 0) fig.rejected++, ps.rejected++;
    if (tally(ids, ver.f, t.id, null, 0, fig.flags) > 0) fig.flagged++, ps.flagged++;
  }
  return fig;
}

export const emptyClass = (): ClassFigures => ({ faults: 0, caught: 0, windowTicks: 0, collateralRejects: 0, collateralFlags: 0, rejects: {}, flags: {}, missed: {}, bySymbol: {} });

function scoreClass(m: Market, cfg: ChecksConfig, clean: Verdicts, cls: FaultClass, seed: number): ClassFigures {
  const { faults, ctx } = placeFaults(m, cls, seed);
  const ticks = applyFaults(m, ctx);
  const ver = run(cfg, ticks, ctx.ids);
  const index = cfg.registry.index;
  const ids = cfg.registry.checks.map((c) => c.id);
  const fig = emptyClass();
  // Where each id sits in the faulted stream, and each symbol's positions in it.
  const pos = new Int32Array(ctx.ids).fill(-1);
  const bySym: number[][] = m.symbols.map(() => []);
  ticks.forEach((t, p) => {
    pos[t.id] = p;
    bySym[t.sym]!.push(p);
  });
  const faultIds = new Set(faults.flatMap((f) => f.faultIds));
  const cleanIds = m.ticks.length;
  for (const f of faults) {
    fig.faults++;
    const miss = firstMiss(f, ver, index);
    if (miss < 0) fig.caught++;
    else {
      const got = [...new Set([...tallyNames(ids, ver.r, miss), ...tallyNames(ids, ver.f, miss)])].join(", ") || "nothing";
      const key = `${f.variant || "—"}: ${got}`;
      fig.missed[key] = (fig.missed[key] ?? 0) + 1;
    }
    // The follow-up window: the next WINDOW ticks of the symbol after the fault's last tick that
    // are clean ticks (carried over unchanged), compared with the same ticks of the clean run.
    let last = -1;
    for (const id of f.faultIds) last = Math.max(last, pos[id]!);
    const list = bySym[f.sym]!;
    const ps = (fig.bySymbol[m.symbols[f.sym]!.symbol] ??= { windowTicks: 0, verdicts: 0 });
    let k = lowerBound(list, last + 1);
    for (let n = 0; n < WINDOW && k < list.length; k++) {
      const t = ticks[list[k]!]!;
      if (t.id >= cleanIds || faultIds.has(t.id)) continue;
      n++;
      fig.windowTicks++;
      ps.windowTicks++;
      const nr = tally(ids, ver.r, t.id, clean.r, t.id, fig.rejects);
      const nf = tally(ids, ver.f, t.id, clean.f, t.id, fig.flags);
      fig.collateralRejects += nr;
      fig.collateralFlags += nf;
      ps.verdicts += nr + nf;
    }
  }
  return fig;
}

/** The first detect tick of `f` that carries none of its catching codes at the declared severity, or -1. */
function firstMiss(f: Fault, ver: Verdicts, index: ReadonlyMap<string, number>): number {
  for (const id of f.detectIds) {
    const ok = f.catches.some((c) => {
      const bit = index.get(c.code);
      return bit !== undefined && has(c.as === "reject" ? ver.r : ver.f, id, bit);
    });
    if (!ok) return id;
  }
  if (f.detectIds.length === 0) throw new Error(`fault of ${f.cls} has no tick to catch: a bug in the class`);
  return -1;
}

function tallyNames(ids: readonly string[], m: Int32Array, id: number): string[] {
  const c: Counts = {};
  tally(ids, m, id, null, 0, c);
  return Object.keys(c);
}

function lowerBound(a: readonly number[], x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A seed of its own for every (regime, class) pair, so one class's faults do not depend on which others run. */
const subSeed = (seed: number, ...k: number[]) => k.reduce((h, x) => Math.imul(h ^ (x + 0x9e3779b9), 0x85ebca6b) >>> 0, seed >>> 0);

const addCounts = (to: Counts, from: Counts) => {
  for (const [k, n] of Object.entries(from)) to[k] = (to[k] ?? 0) + n;
};

function sumClean(xs: CleanFigures[]): CleanFigures {
  const s: CleanFigures = { ticks: 0, trades: 0, quotes: 0, seconds: 0, rejected: 0, flagged: 0, rejects: {}, flags: {}, bySymbol: {} };
  for (const x of xs) {
    s.ticks += x.ticks; s.trades += x.trades; s.quotes += x.quotes; s.seconds += x.seconds; s.rejected += x.rejected; s.flagged += x.flagged;
    addCounts(s.rejects, x.rejects);
    addCounts(s.flags, x.flags);
    for (const [k, v] of Object.entries(x.bySymbol)) {
      const e = (s.bySymbol[k] ??= { ticks: 0, rejected: 0, flagged: 0 });
      e.ticks += v.ticks; e.rejected += v.rejected; e.flagged += v.flagged;
    }
  }
  return s;
}

export function sumClass(xs: ClassFigures[]): ClassFigures {
  const s = emptyClass();
  for (const x of xs) {
    s.faults += x.faults; s.caught += x.caught; s.windowTicks += x.windowTicks;
    s.collateralRejects += x.collateralRejects; s.collateralFlags += x.collateralFlags;
    addCounts(s.rejects, x.rejects);
    addCounts(s.flags, x.flags);
    addCounts(s.missed, x.missed);
    for (const [k, v] of Object.entries(x.bySymbol)) {
      const e = (s.bySymbol[k] ??= { windowTicks: 0, verdicts: 0 });
      e.windowTicks += v.windowTicks; e.verdicts += v.verdicts;
    }
  }
  return s;
}

/** Runs the whole benchmark (defaults: seed 1, 60,000 ticks per regime, every regime and class). */
export function runQuality(o: QualityOptions = {}): QualityReport {
  const t0 = performance.now();
  const seed = o.seed ?? 1;
  const ticksPerRegime = o.ticksPerRegime ?? 60_000;
  const regimes = o.regimes ?? REGIMES;
  const classes = FAULT_CLASSES.filter((c) => !o.classes || o.classes.some((p) => c.id.startsWith(p)));
  const market = marketChecksConfig() as { defaults: Record<string, unknown> };
  const cfg = loadChecksConfig({ ...market, defaults: { ...market.defaults, ...o.defaults } });
  const figures: RegimeFigures[] = regimes.map((regime) => {
    const r0 = performance.now();
    const ri = REGIMES.indexOf(regime);
    const m = generateMarket({ seed: subSeed(seed, ri), regime, ticks: ticksPerRegime, quotesPerTrade: o.quotesPerTrade, deepSweeps: o.deepSweeps });
    const clean = run(cfg, m.ticks, m.ticks.length);
    const byClass: Record<string, ClassFigures> = {};
    for (const cls of classes) byClass[cls.id] = scoreClass(m, cfg, clean, cls, subSeed(seed, ri, FAULT_CLASSES.indexOf(cls) + 1));
    return { regime, clean: scoreClean(m, cfg, clean), classes: byClass, ms: performance.now() - r0 };
  });
  const caught = new Set(classes.flatMap((c) => c.catches.map((x) => x.code)));
  return {
    seed, ticksPerRegime, window: WINDOW, deepSweeps: o.deepSweeps === true, quotesPerTrade: o.quotesPerTrade ?? 4, defaults: o.defaults ?? {},
    classes: classes.map((c) => ({ id: c.id, about: c.about, catches: c.catches, claimed: [...(c.claimed ?? REGIMES)] })),
    uncovered: cfg.registry.checks.map((c) => c.id).filter((id) => !caught.has(id)),
    regimes: figures,
    overall: {
      clean: sumClean(figures.map((f) => f.clean)),
      classes: Object.fromEntries(classes.map((c) => [c.id, sumClass(figures.map((f) => f.classes[c.id]!))])),
      scored: Object.fromEntries(classes.map((c) => {
        const own = figures.filter((f) => (c.claimed ?? REGIMES).includes(f.regime)).map((f) => f.classes[c.id]!);
        return [c.id, { faults: own.reduce((n, x) => n + x.faults, 0), caught: own.reduce((n, x) => n + x.caught, 0) }];
      })),
    },
    ms: performance.now() - t0,
  };
}
