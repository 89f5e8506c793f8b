// The Enqueuer packs a request's ticks per worker; more than one worker's batch can take is refused
// while packing, before the scratch grows to the whole request, and a scratch grown by one huge
// request is given back at the next.
import { describe, expect, test } from "bun:test";
import { Enqueuer } from "../../src/ingest/enqueue.ts";
import type { IngestError } from "../../src/errors.ts";

describe("Enqueuer", () => {
  test("refuses a request whose records for one worker pass its bound, as it packs", () => {
    const q = new Enqueuer(1, 10_000);
    const ticks = Array.from({ length: 1000 }, (_, i) => ({ type: "trade", exchange: "x", symbol: "A-B", pad: "y".repeat(100), i }));
    let err: IngestError | undefined;
    try {
      q.encode(1, ticks, 0, 0);
    } catch (e) {
      err = e as IngestError;
    }
    expect(err?.code).toBe("body.too_large");
    expect(Number(err?.detail.bytes)).toBeGreaterThan(10_000);
    expect(Number(err?.detail.bytes)).toBeLessThan(10_400); // stopped at the record that passed the bound
  });

  test("packs what fits, then drops a scratch grown past its keep size", () => {
    const q = new Enqueuer(1, 40 << 20);
    const scratch = () => (q as unknown as { scratch: Uint8Array }).scratch.length;
    q.encode(1, [{ pad: "z".repeat(20 << 20) }], 0, 0);
    expect(scratch()).toBeGreaterThan(16 << 20);
    q.encode(2, [{ type: "trade" }], 0, 0);
    expect(scratch()).toBe(1 << 20);
    expect(q.records[0]).toBe(1);
  });
});
