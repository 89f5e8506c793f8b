// Stage: decode request bodies — JSON, MessagePack and NDJSON — per tick, for a realistic batch.
//   bun bench/decode.bench.ts
import { bench, do_not_optimize, group } from "mitata";
import { pack, Unpackr } from "msgpackr";
import { decodeJson, decodeMsgpack, MAX_DEPTH, readNdjson } from "../src/ingest/decode.ts";
import { scanMsgpack } from "../src/ingest/msgpack-scan.ts";
import { tickStream } from "./lib/tick-gen.ts";
import { runStage, type StageResult } from "./lib/report.ts";

const BATCH = 500;

export async function main(): Promise<StageResult> {
  const ticks = tickStream({ seed: 1, symbols: 50 }).batch(BATCH).map((s) => s.tick);
  const json = new TextEncoder().encode(JSON.stringify(ticks));
  const msgpack = pack(ticks);
  const ndjson = new TextEncoder().encode(ticks.map((t) => JSON.stringify(t)).join("\n") + "\n");
  if (decodeJson(json, BATCH).length !== BATCH || decodeMsgpack(msgpack, BATCH).length !== BATCH) throw new Error("decode is wrong");
  if (scanMsgpack(msgpack, BATCH, MAX_DEPTH) !== null) throw new Error("scan refuses a valid body");
  // decode.ts's own options, so "unpack alone" is what decodeMsgpack ran before the scan.
  const unpackr = new Unpackr({ mapsAsObjects: true, useRecords: false, int64AsType: "number" });

  group("decode", () => {
    bench(`JSON body of ${BATCH} ticks [${BATCH} tick]`, () => do_not_optimize(decodeJson(json, 100_000)));
    bench(`MessagePack body of ${BATCH} ticks [${BATCH} tick]`, () => do_not_optimize(decodeMsgpack(msgpack, 100_000)));
    bench(`NDJSON stream of ${BATCH} lines, 64 KiB chunks [${BATCH} tick]`, async () => {
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < ndjson.length; i += 65536) c.enqueue(ndjson.subarray(i, i + 65536));
          c.close();
        },
      });
      let n = 0;
      for await (const lines of readNdjson(body, { limitBytes: 1 << 30, maxTicks: 1e9, batchSize: 512 })) n += lines.length;
      if (n !== BATCH) throw new Error(`NDJSON read ${n} lines`);
    });
    bench(`JSON.parse alone, same body [${BATCH} tick]`, () => do_not_optimize(JSON.parse(new TextDecoder().decode(json))));
  });
  // What the pre-scan adds to a MessagePack body: decodeMsgpack runs both.
  group("msgpack pre-scan", () => {
    bench(`msgpackr unpack alone, ${msgpack.length} B body [${BATCH} tick]`, () => do_not_optimize(unpackr.unpack(msgpack)));
    bench(`scanMsgpack + unpack [${BATCH} tick]`, () => {
      if (scanMsgpack(msgpack, 100_000, MAX_DEPTH) !== null) throw new Error("scan refused");
      return do_not_optimize(unpackr.unpack(msgpack));
    });
    bench(`scanMsgpack alone [${BATCH} tick]`, () => do_not_optimize(scanMsgpack(msgpack, 100_000, MAX_DEPTH)));
  });
  return runStage("decode");
}

if (import.meta.main) await main();
