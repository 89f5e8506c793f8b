// A record Kafka refuses for good turns its tick into a reject (record.refused): the completion must
// then count and list it as rejected only, never still as a flagged accepted tick.
import { describe, expect, test } from "bun:test";
import { Batch, refuseOrigin, type Origin } from "../../src/ingest/validator/batch.ts";

/** A completion of one request with: tick 0 flagged, tick 1 valid, tick 2 flagged, tick 3 rejected with a flag. */
function batchOfFour() {
  const batch = new Batch();
  const completion = batch.completionFor(7);
  completion.ticks = 4;
  const origin = (index: number, flags: string[], codes: string[] | null): Origin => ({ completion, index, recvTs: 0, flags, codes });
  const locked = ["quote.locked"];
  const tooOld = ["ts.too_old"];
  completion.flags.push([0, locked], [2, locked]);
  completion.rejects.push([3, tooOld]);
  return { completion, origins: [origin(0, locked, null), origin(1, [], null), origin(2, locked, null), origin(3, locked, tooOld)] };
}

describe("refuseOrigin", () => {
  test("a flagged valid tick leaves the flags and becomes a reject", () => {
    const { completion, origins } = batchOfFour();
    expect(refuseOrigin(origins[2]!, "record.refused")).toBe(true);
    expect(completion.flags).toEqual([[0, ["quote.locked"]]]);
    expect(completion.rejects).toEqual([[3, ["ts.too_old"]], [2, ["record.refused"]]]);
    expect(origins[2]!.codes).toEqual(["record.refused"]);
    // The Kafka digest keeps the tick's flags.
    expect(origins[2]!.flags).toEqual(["quote.locked"]);
  });

  test("a valid tick without flags becomes a reject and leaves the flags alone", () => {
    const { completion, origins } = batchOfFour();
    expect(refuseOrigin(origins[1]!, "record.refused")).toBe(true);
    expect(completion.flags.map((f) => f[0])).toEqual([0, 2]);
    expect(completion.rejects.map((r) => r[0])).toEqual([3, 1]);
  });

  test("a reject gets the code added, in its one entry", () => {
    const { completion, origins } = batchOfFour();
    expect(refuseOrigin(origins[3]!, "record.refused")).toBe(false);
    expect(completion.rejects).toEqual([[3, ["ts.too_old", "record.refused"]]]);
    expect(completion.flags.map((f) => f[0])).toEqual([0, 2]);
  });
});
