// The validation engine per tick: the whole suite over a realistic mix of trades and quotes (six
// feeds, every wire format the normaliser accepts), JSON.parse of the same ticks in the same run for
// scale, and each check alone.
//   bun bench/checks.bench.ts            (or import { main } and await it; main({ json: true }))
// Setup (corpus, decoding, state warm-up) is outside the timed part; results are checked first.
import { bench, do_not_optimize, group, run, summary } from "mitata";
import { CHECK_ENTRIES, REGISTRY, Validator, loadChecksConfig } from "../src/checks/index.ts";
import { createCommit } from "../src/checks/commit.ts";
import type { Params } from "../src/checks/define.ts";
import { Scratch } from "../src/checks/scratch.ts";
import { SymbolStore } from "../src/checks/state.ts";
import { generateCorpus } from "./lib/corpus.ts";
import { rowsFrom } from "./lib/report.ts";

const N = 1 << 16; // ticks in the mix (≈ 11k per feed), cycled
const M = 1 << 12; // prepared ticks for the per-check benches
const B = 1024; // ticks per timed call
const SUITE = `validate: whole suite, realistic mix [${B} tick]`;
const PARSE = `JSON.parse of the same ticks [${B} tick]`;
const SEED = 7;

interface Setup {
  raws: Record<string, unknown>[];
  recv: number[];
  jsons: string[];
}

function prepare(): Setup {
  const corpus = generateCorpus(N, SEED);
  // Decode from JSON so strings and shapes are what the ingest path hands the validator.
  const jsons = corpus.map((t) => JSON.stringify(t.raw));
  return { raws: jsons.map((j) => JSON.parse(j)), recv: corpus.map((t) => t.recvTsUs), jsons };
}

/** The mix must pass clean (no reject, no flag) or the numbers mean nothing. */
function verify(s: Setup, v: Validator): void {
  v.reset();
  for (let i = 0; i < N; i++) {
    const r = v.validate(s.raws[i], s.recv[i]!);
    if (!r.ok || r.flags.length !== 0) {
      throw new Error(`bench corpus tick ${i} is not clean: ${[...r.rejects, ...r.flags].join(",")} ${s.jsons[i]}`);
    }
  }
  v.reset();
}

export async function main(opts: { json?: boolean } = {}) {
  const cfg = loadChecksConfig({});
  const s = prepare();
  const v = new Validator(cfg, { maxSymbols: 64 });
  verify(s, v);
  const { raws, recv, jsons } = s;
  const MASK = N - 1;

  // Per-check fixtures: state warmed by the first N - M ticks, then M prepared scratches.
  const store = new SymbolStore(64);
  const warm = new Scratch();
  const g = cfg.defaults;
  const commit = createCommit(REGISTRY.index);
  for (let i = 0; i < N - M; i++) {
    warm.reset(recv[i]!);
    REGISTRY.readTick(raws[i], warm, g);
    const p = cfg.paramsFor(warm.exchange, warm.symbol);
    REGISTRY.runValue(warm, p);
    const slot = store.find(warm.exchange, warm.symbol);
    REGISTRY.runSequence(warm, p, store, slot);
    REGISTRY.runHistory(warm, p, store, slot);
    const v0 = warm.m0 & cfg.enabled0, v1 = warm.m1 & cfg.enabled1;
    commit(warm, store, slot, p, v0, v1, v0 & cfg.reject0, v1 & cfg.reject1);
  }
  const prepared: { c: Scratch; p: Params; slot: number; raw: Record<string, unknown> }[] = [];
  for (let i = N - M; i < N; i++) {
    const c = new Scratch();
    c.reset(recv[i]!);
    REGISTRY.readTick(raws[i], c, g);
    const p = cfg.paramsFor(c.exchange, c.symbol);
    prepared.push({ c, p, slot: store.find(c.exchange, c.symbol), raw: raws[i]! });
  }

  // Each timed call handles a block of B consecutive ticks, so mitata's per-call overhead and timer
  // resolution vanish from the per-tick figure (printed at the end as avg / B).
  summary(() => {
    bench(SUITE, function* () {
      let i = 0;
      yield () => {
        if (i === N) { i = 0; v.reset(); } // the mix is a stream: replaying it into old state would be duplicates
        let ok = 0;
        for (const end = i + B; i < end; i++) if (v.validate(raws[i], recv[i]!).ok) ok++;
        do_not_optimize(ok);
      };
    });
    bench(PARSE, function* () {
      let i = 0;
      yield () => {
        for (let k = 0; k < B; k++) do_not_optimize(JSON.parse(jsons[i++ & MASK]!));
      };
    });
  });

  group(`each check alone, ${B} ticks of the same mix per iteration`, () => {
    for (const e of CHECK_ENTRIES) {
      const kind = "on" in e ? e.on : undefined;
      const mine = kind === undefined ? prepared : prepared.filter((x) => x.raw.type === kind);
      const at = (i: number) => mine[i % mine.length]!;
      switch (e.stage) {
        case "guard": // fired by the engine while it reads every field: measured as the whole suite
          break;
        case "shape":
          bench(`${e.id} (shape) [${B} tick]`, function* () {
            let n = 0;
            yield () => {
              for (let i = 0; i < B; i++) if (e.fires(at(i).raw, g)) n++;
              do_not_optimize(n);
            };
          });
          break;
        case "field": {
          const name = e.reads[0]!;
          bench(`${e.id} (parse) [${B} tick]`, function* () {
            const c = new Scratch();
            let n = 0;
            yield () => {
              for (let i = 0; i < B; i++) if (e.parse(at(i).raw[name], c, g)) n++;
              do_not_optimize(n);
            };
          });
          break;
        }
        case "value":
          bench(`${e.id} [${B} tick]`, function* () {
            let n = 0;
            yield () => {
              for (let i = 0; i < B; i++) { const x = at(i); if (e.fires(x.c, x.p)) n++; }
              do_not_optimize(n);
            };
          });
          break;
        case "sequence":
        case "history":
          bench(`${e.id} [${B} tick]`, function* () {
            let n = 0;
            yield () => {
              for (let i = 0; i < B; i++) { const x = at(i); if (e.fires(x.c, x.p, store, x.slot)) n++; }
              do_not_optimize(n);
            };
          });
          break;
      }
    }
  });

  const result = await run(opts.json ? { format: "json" } : { colors: process.stdout.isTTY });
  if (!opts.json) {
    const perTick = (name: string) => (result.benchmarks.find((b) => b.alias === name)?.runs[0]?.stats?.avg ?? NaN) / B;
    const suite = perTick(SUITE);
    const parse = perTick(PARSE);
    console.log(`\nper tick (avg / ${B}):`);
    for (const b of result.benchmarks) console.log(`  ${b.alias.replace(/ \[.*\]$/, "").padEnd(40)} ${perTick(b.alias).toFixed(2).padStart(8)} ns`);
    console.log(`\nwhole suite ${suite.toFixed(1)} ns/tick, JSON.parse ${parse.toFixed(1)} ns/tick, ratio ${(suite / parse).toFixed(3)} (targets: ≤ 100 ns, ≤ 0.25)`);
  }
  // mitata's result, plus the per-tick rows bench/run.ts collects (names end in "[B tick]").
  return { ...result, stage: "checks", rows: rowsFrom("checks", result.benchmarks) };
}

if (import.meta.main) await main();
