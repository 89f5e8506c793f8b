// Stage: encode the output record — the `ticks.valid` MessagePack value of one validated tick.
//   bun bench/encode.bench.ts
import { bench, do_not_optimize, group } from "mitata";
import { Unpackr } from "msgpackr";
import { loadChecksConfig, Validator } from "../src/checks/index.ts";
import { encodeValid } from "../src/kafka/encode.ts";
import { recordPackr } from "../src/kafka/values.ts";
import { validRecord } from "./lib/valid-records.ts";
import type { Tick } from "../src/tick.ts";
import { tickStream } from "./lib/tick-gen.ts";
import { runStage, type StageResult } from "./lib/report.ts";

export async function main(): Promise<StageResult> {
  const validator = new Validator(loadChecksConfig({}));
  const now = Date.now() * 1000;
  const ticks: Tick[] = [];
  for (const { tick } of tickStream({ seed: 5, symbols: 50 }).batch(1024)) {
    const r = validator.validate(tick, now);
    if (r.ok && r.tick) ticks.push({ ...r.tick });
  }
  const packr = recordPackr();
  const FLAGS: string[] = [];
  const check = new Unpackr({ useRecords: false }).unpack(packr.pack(validRecord(ticks[0], now, FLAGS)));
  if (check.symbol !== ticks[0].symbol || check.v !== 1) throw new Error("encode is wrong");

  const mine = new Unpackr({ useRecords: false }).unpack(encodeValid(ticks[0], now, FLAGS));
  if (JSON.stringify(mine) !== JSON.stringify(check)) throw new Error("encodeValid disagrees with msgpackr");

  group("output encode", () => {
    bench("ticks.valid record (encodeValid, used) [1 tick]", function* () {
      let i = 0;
      yield () => do_not_optimize(encodeValid(ticks[i++ & 1023], now, FLAGS));
    });
    bench("ticks.valid record (msgpackr pack) [1 tick]", function* () {
      let i = 0;
      yield () => do_not_optimize(packr.pack(validRecord(ticks[i++ & 1023], now, FLAGS)));
    });
    bench("same record as JSON (old pipeline) [1 tick]", function* () {
      let i = 0;
      yield () => do_not_optimize(JSON.stringify(validRecord(ticks[i++ & 1023], now, FLAGS)));
    });
  });
  return runStage("output encode");
}

if (import.meta.main) await main();
