// Counting completions into a request's answer, without workers: totals, the listed rejects and
// flagged ticks and their bounds, a failed batch, late completions, and the offsets ?ack=stored waits for.
import { describe, expect, test } from "bun:test";
import { IngestError } from "../../src/errors.ts";
import { PendingRequests } from "../../src/ingest/pending-requests.ts";
import type { Completion } from "../../src/ingest/ring-records.ts";

const config = { MAX_REJECTS_LISTED: 3, MAX_FLAGS_LISTED: 2, KAFKA_ACK_TIMEOUT_MS: 10_000, STORED_ACK_TIMEOUT_MS: 10_000 };
const completion = (c: Partial<Completion> & { request: number }): Completion => ({ ticks: 0, rejects: [], flags: [], ...c });

describe("PendingRequests", () => {
  test("sums the completions of a sealed request into one answer", async () => {
    const requests = new PendingRequests(config, null);
    const p = requests.begin("kafka");
    p.added = 5;
    requests.complete(completion({ request: p.id, ticks: 3, rejects: [[2, ["price.nonpositive"]]], flags: [[4, ["quote.locked"]]] }));
    requests.seal(p);
    expect(requests.size).toBe(1); // 3 of 5 completed
    requests.complete(completion({ request: p.id, ticks: 2, rejects: [[0, ["schema.missing"]]] }));
    expect(await p.promise).toEqual({
      accepted: 3, rejected: 2, flagged: 1,
      rejects: [{ index: 0, codes: ["schema.missing"] }, { index: 2, codes: ["price.nonpositive"] }],
      flags: [{ index: 4, codes: ["quote.locked"] }],
    });
    expect(requests.size).toBe(0);
    requests.complete(completion({ request: p.id, ticks: 1 })); // late: ignored
  });

  test("lists the lowest-index rejects up to the bound and counts all of them by code", async () => {
    const requests = new PendingRequests(config, null);
    const p = requests.begin("kafka");
    p.added = 8;
    const rejects: [number, string[]][] = [7, 6, 5, 4, 3, 2, 1, 0].map((i) => [i, [i % 2 ? "odd" : "even"]]);
    requests.complete(completion({ request: p.id, ticks: 8, rejects }));
    const result = await requests.seal(p);
    expect(result.rejects.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(result.rejectsTruncated).toBe(true);
    expect(result.rejectsByCode).toEqual({ odd: 4, even: 4 });
  });

  test("merges the flags of two workers' completions in index order", async () => {
    const requests = new PendingRequests({ ...config, MAX_FLAGS_LISTED: 10 }, null);
    const p = requests.begin("kafka");
    p.added = 6;
    // Worker 1 owns the odd ticks' symbol, worker 0 the even ones; worker 1 answers first.
    requests.complete(completion({ request: p.id, ticks: 3, flags: [[1, ["seq.gap", "quote.locked"]], [5, ["quote.locked"]]] }));
    requests.complete(completion({ request: p.id, ticks: 3, rejects: [[2, ["quote.crossed"]]], flags: [[0, ["quote.locked"]], [4, ["rate.burst"]]] }));
    const result = await requests.seal(p);
    expect(result).toEqual({
      accepted: 5, rejected: 1, flagged: 4,
      rejects: [{ index: 2, codes: ["quote.crossed"] }],
      flags: [
        { index: 0, codes: ["quote.locked"] }, { index: 1, codes: ["seq.gap", "quote.locked"] },
        { index: 4, codes: ["rate.burst"] }, { index: 5, codes: ["quote.locked"] },
      ],
    });
  });

  test("lists the lowest-index flagged ticks up to MAX_FLAGS_LISTED and counts all of them by code", async () => {
    const requests = new PendingRequests(config, null);
    const p = requests.begin("kafka");
    p.added = 9;
    // Cut more than once while they come in (at twice the bound), from completions in no order.
    requests.complete(completion({ request: p.id, ticks: 4, flags: [[8, ["quote.locked"]], [6, ["quote.locked", "seq.gap"]], [7, ["seq.gap"]]] }));
    requests.complete(completion({ request: p.id, ticks: 5, rejects: [[0, ["quote.crossed"]]], flags: [[5, ["quote.locked"]], [3, ["seq.gap"]], [1, ["quote.locked"]]] }));
    const result = await requests.seal(p);
    expect(result.flagged).toBe(6);
    expect(result.flags).toEqual([{ index: 1, codes: ["quote.locked"] }, { index: 3, codes: ["seq.gap"] }]);
    expect(result.flagsTruncated).toBe(true);
    // Per code, the flagged ticks that have it: the tick with two flags counts under both.
    expect(result.flagsByCode).toEqual({ "quote.locked": 4, "seq.gap": 3 });
    // The rejects stay within their own bound: not truncated, no byCode.
    expect(result.rejects).toEqual([{ index: 0, codes: ["quote.crossed"] }]);
    expect(result.rejectsTruncated).toBeUndefined();
    expect(result.rejectsByCode).toBeUndefined();
  });

  test("flags exactly at the bound are listed whole, without flagsTruncated", async () => {
    const requests = new PendingRequests(config, null);
    const p = requests.begin("kafka");
    p.added = 2;
    requests.complete(completion({ request: p.id, ticks: 2, flags: [[1, ["quote.locked"]], [0, ["quote.locked"]]] }));
    const result = await requests.seal(p);
    expect(result.flags.map((f) => f.index)).toEqual([0, 1]);
    expect("flagsTruncated" in result).toBe(false);
    expect("flagsByCode" in result).toBe(false);
  });

  test("a completion with an error fails its request with 503", async () => {
    const requests = new PendingRequests(config, null);
    const p = requests.begin("kafka");
    p.added = 2;
    requests.complete(completion({ request: p.id, ticks: 2, error: "Kafka did not acknowledge the ticks: down" }));
    const err = await p.promise.catch((e) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect((err as IngestError).status).toBe(503);
  });

  test("?ack=stored waits for the sink at the highest offset per partition", async () => {
    let waitedFor: Map<number, number> | undefined;
    const progress = { stored: async (offsets: Map<number, number>) => void (waitedFor = new Map(offsets)) };
    const requests = new PendingRequests(config, progress as never);
    const p = requests.begin("stored");
    p.added = 2;
    requests.complete(completion({ request: p.id, ticks: 1, offsets: [0, 10, 1, 4] }));
    requests.complete(completion({ request: p.id, ticks: 1, offsets: [0, 7, 1, 9] }));
    expect((await requests.seal(p)).accepted).toBe(2);
    expect(waitedFor).toEqual(new Map([[0, 10], [1, 9]]));
  });
});
