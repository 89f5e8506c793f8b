// No allocation per valid tick. How: a WeakRef canary to a fresh young object is created in an
// earlier job (so it is not kept alive by the job) and the validator then runs millions of valid
// ticks; any garbage collection (eden or full) collects the canary. 2M ticks × even one 16-byte cell
// would be 32 MB of garbage, far above the eden size, so a surviving canary means (much) less than
// one allocation per several ticks. A control loop that allocates one object per tick must clear it.
// Integer tradeIds are excluded: Tick.tradeId is a string, so they cost one string (documented).
import { expect, test } from "bun:test";
import { generateCorpus } from "../../bench/lib/corpus.ts";
import { validator } from "./helpers.ts";

const TICKS = 2_000_000;

async function gcHappenedDuring(run: () => void): Promise<boolean> {
  Bun.gc(true);
  const canary = new WeakRef({ canary: true });
  await new Promise((r) => setTimeout(r, 0)); // end the job that created the WeakRef
  run();
  return canary.deref() === undefined;
}

test("validate allocates nothing per valid tick", async () => {
  const corpus = generateCorpus(1 << 15, 11).filter((t) => typeof t.raw.tradeId !== "number");
  const raws = corpus.map((t) => JSON.parse(JSON.stringify(t.raw)));
  const recv = corpus.map((t) => t.recvTsUs);
  // One stream position per tick; the corpus replays into a reset validator (reset reuses the arrays).
  const v = validator({}, 64);
  const pass = () => {
    v.reset();
    let ok = 0;
    for (let i = 0, j = 0; i < TICKS; i++, j++) {
      if (j === raws.length) { j = 0; v.reset(); }
      if (v.validate(raws[j], recv[j]!).ok) ok++;
    }
    expect(ok).toBe(TICKS);
  };
  pass(); // warm up: JIT tiers, caches of non-canonical spellings
  let sink: unknown;
  expect(await gcHappenedDuring(() => { for (let i = 0; i < TICKS; i++) sink = { i }; })).toBe(true); // control
  expect(sink).toBeDefined();
  expect(await gcHappenedDuring(pass)).toBe(false);
}, 120_000);
