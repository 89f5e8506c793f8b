// The data-quality targets, asserted on one seeded benchmark run at test size
// (bench/quality.ts, docs/quality.md): clean streams get no reject and few flags, every injected
// fault class is caught where the checks claim it, and a fault leaves the ticks after it alone.
import { describe, expect, test } from "bun:test";
import { TARGETS, collateral, runQuality, type QualityReport } from "../../bench/quality.ts";

// ---- The figures this test asserts: tune them here. -------------------------------------------
// The targets are 0 clean rejects, calm flags ≤ 0.5 %, recall ≥ 99 % and collateral ≤ 0.1 %.
// At these seeds and size the checks measure 0 clean rejects, at most 0.01 % flags, 100 % recall on
// every scored class but price.outlier (99.6-100 %), and no collateral beyond the by-design kind
// (docs/quality.md); the bounds below pin those figures with a margin, so a regression fails here
// well before it would miss the targets. Two seeds: the defaults were tuned on seed 1.
const SEEDS = [1, 7];
const TICKS_PER_REGIME = 10_000; // ≈ 3 s on the 2-vCPU dev box (speed is bench/quality.ts's business, not asserted)
const CLEAN_REJECTS_MAX = 0; // share of clean ticks rejected, every regime
const CALM_FLAGS_MAX = 0.001; // share of clean calm ticks flagged (target 0.5 %; measured 0)
const OTHER_FLAGS_MAX = 0.002; // the same in burst, cascade and thin markets (measured 0 at this size)
const RECALL_MIN = 0.998; // per fault class, over the regimes where the checks claim it (target 99 %; measured 100 %)
const RECALL_MIN_OUTLIER = 0.99; // price.outlier: its band widens with the market (measured 99.6-100 %)
const COLLATERAL_MAX = 0.0002; // collateral verdicts per follow-up tick, per fault class (target 0.1 %; measured 0)
// Collateral a fault makes inevitable (docs/quality.md, "By design"; TARGETS.byDesign, the benchmark's
// one list of it) is not counted by collateral(); it is bounded by the last test below.
const BACKLOG_BURST_MAX = 0.4; // rate.burst after a backlog, per follow-up tick (measured 7-26 %: the live ticks behind it)
// -------------------------------------------------------------------------------------------------

const reports = new Map<number, QualityReport>();
const runAt = (seed: number) => reports.get(seed) ?? reports.set(seed, runQuality({ seed, ticksPerRegime: TICKS_PER_REGIME })).get(seed)!;

for (const seed of SEEDS) {
  const run = () => runAt(seed);
  describe(`quality benchmark (seed ${seed}, ${TICKS_PER_REGIME} ticks per regime)`, () => {
    test("injects faults of every class, in the regimes where it is scored", () => {
      const r = run();
      expect(r.classes.filter((k) => r.overall.classes[k.id]!.faults === 0).map((k) => k.id)).toEqual([]);
      expect(Object.entries(r.overall.scored).filter(([, c]) => c.faults === 0).map(([id]) => id)).toEqual([]);
    });

    test("clean streams: no rejects in any regime", () => {
      for (const g of run().regimes) expect(g.clean.rejected / g.clean.ticks, `${g.regime}: ${JSON.stringify(g.clean.rejects)}`).toBeLessThanOrEqual(CLEAN_REJECTS_MAX);
    });

    test(`clean streams: flags ≤ ${CALM_FLAGS_MAX * 100} % in calm markets, ≤ ${OTHER_FLAGS_MAX * 100} % in the others`, () => {
      for (const g of run().regimes) {
        const max = g.regime === "calm" ? CALM_FLAGS_MAX : OTHER_FLAGS_MAX;
        expect(g.clean.flagged / g.clean.ticks, `${g.regime}: flags by check: ${JSON.stringify(g.clean.flags)}`).toBeLessThanOrEqual(max);
      }
    });

    test(`recall ≥ ${RECALL_MIN * 100} % for every fault class (price.outlier ≥ ${RECALL_MIN_OUTLIER * 100} %)`, () => {
      const below = Object.entries(run().overall.scored)
        .filter(([id, c]) => c.caught / c.faults < (id === "price.outlier" ? RECALL_MIN_OUTLIER : RECALL_MIN))
        .map(([id, c]) => `${id}: ${((100 * c.caught) / c.faults).toFixed(2)} % of ${c.faults}`);
      expect(below).toEqual([]);
    });

    test(`collateral ≤ ${COLLATERAL_MAX * 100} % of the follow-up ticks for every fault class`, () => {
      const above = Object.entries(run().overall.classes).flatMap(([id, c]) => {
        const n = collateral(id, c);
        return n > COLLATERAL_MAX * c.windowTicks ? [`${id}: ${((100 * n) / c.windowTicks).toFixed(3)} % (${JSON.stringify({ ...c.rejects, ...c.flags })})`] : [];
      });
      expect(above).toEqual([]);
    });

    test("by-design collateral stays bounded: at most one seq.gap per unreadable seq, rate.burst only behind a backlog", () => {
      // The exclusion itself is pinned: widening it would hide collateral from the test above.
      expect(TARGETS.byDesign).toEqual({ "malformed.seq": ["seq.gap"], "rate.backlog": ["rate.burst"] });
      const { classes } = run().overall;
      const seq = classes["malformed.seq"]!;
      expect(seq.faults).toBeGreaterThan(0);
      expect(seq.flags["seq.gap"] ?? 0).toBeLessThanOrEqual(seq.faults);
      expect(Object.keys(seq.rejects)).toEqual([]);
      const backlog = classes["rate.backlog"]!;
      expect(Object.keys({ ...backlog.rejects, ...backlog.flags }).filter((k) => k !== "rate.burst")).toEqual([]);
      expect((backlog.flags["rate.burst"] ?? 0) / backlog.windowTicks).toBeLessThanOrEqual(BACKLOG_BURST_MAX);
    });
  });
}
