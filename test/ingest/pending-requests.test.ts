// Counting completions into a request's answer, without workers: totals, the listed rejects and
// their bound, a failed batch, late completions, and the offsets ?ack=stored waits for.
import { describe, expect, test } from "bun:test";
import { IngestError } from "../../src/errors.ts";
import { PendingRequests } from "../../src/ingest/pending-requests.ts";
import type { Completion } from "../../src/ingest/ring-records.ts";

const config = { MAX_REJECTS_LISTED: 3, KAFKA_ACK_TIMEOUT_MS: 10_000, STORED_ACK_TIMEOUT_MS: 10_000 };
const completion = (c: Partial<Completion> & { request: number }): Completion => ({ ticks: 0, flagged: 0, rejects: [], ...c });

describe("PendingRequests", () => {
  test("sums the completions of a sealed request into one answer", async () => {
    const requests = new PendingRequests(config, null);
    const p = requests.begin("kafka");
    p.added = 5;
    requests.complete(completion({ request: p.id, ticks: 3, flagged: 1, rejects: [[2, ["price.nonpositive"]]] }));
    requests.seal(p);
    expect(requests.size).toBe(1); // 3 of 5 completed
    requests.complete(completion({ request: p.id, ticks: 2, rejects: [[0, ["schema.missing"]]] }));
    expect(await p.promise).toEqual({
      accepted: 3, rejected: 2, flagged: 1,
      rejects: [{ index: 0, codes: ["schema.missing"] }, { index: 2, codes: ["price.nonpositive"] }],
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
