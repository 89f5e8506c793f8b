// The loss account of one phase: its acknowledged ticks (the ledger) against the multisets of what
// Kafka, Redis and PostgreSQL hold (the tallies).
//   lost              accepted but not in .valid, rejected but not in .rejected, accepted but not in
//                     Redis or not in PostgreSQL, or rejected as a duplicate (*.duplicate) of a tick
//                     that is not in .valid (the client was told "you sent this already", it never arrived)
//   doubled in Kafka  in .valid more than once: allowed after an "outcome unknown" answer (503
//                     pipeline.unavailable, a connection error, a timeout), which the client retries
//   doubled in stores stored more than once in Redis or PostgreSQL: never allowed
//   misleading        an earlier attempt reached Kafka although every non-200 answer the batch got
//                     said "none of the ticks were taken" (pipeline.full/busy/behind/shutting_down)
import { NONE_TAKEN, type Attempt, type Fate, type PhaseLedger } from "./ledger.ts";
import type { Multiset } from "./tally.ts";

export interface Tallies {
  valid: Multiset;
  rejected: Multiset;
  redis: Multiset;
  pg: Multiset;
}

export interface Example {
  id: string;
  outcome: string;
  codes: string[] | null;
  before: Attempt[];
  valid: number;
  rejected: number;
  redis: number;
  pg: number;
}

export interface PhaseAccount {
  acknowledged: number;
  accepted: number;
  rejected: number;
  inValid: number;
  inRejected: number;
  storedRedis: number;
  storedPg: number;
  /** accepted ticks stored in both Redis and PostgreSQL */
  stored: number;
  lost: { total: number; notInValid: number; notInRejected: number; notInRedis: number; notInPg: number; duplicateOfNothing: number; examples: Example[] };
  doubledKafka: { total: number; byCause: Record<string, number>; examples: Example[] };
  doubledRejected: number;
  doubledStores: { total: number; redis: number; pg: number; examples: Example[] };
  /** answered rejected with a *.duplicate code, yet in .valid: an earlier attempt of the batch got there */
  rejectedAsOwnRetry: number;
  misleading: { total: number; examples: Example[] };
  /** ticks never answered 200 (the phase ended first) and how many of them are in .valid anyway */
  unanswered: number;
  unansweredInValid: number;
  refused: number;
}

const n = (m: Multiset, id: string) => m.get(id) ?? 0;
const MAX_EXAMPLES = 10;

/** What an earlier, non-200 attempt told the client about the fate of its ticks. */
function causeOf(before: Attempt[]): string {
  if (before.length === 0) return "no retry (first attempt answered 200)";
  const unknown = before.filter((a) => !NONE_TAKEN.has(a.replace(/^503 /, "")));
  if (unknown.length === 0) return "only 'none taken' 503s before the 200";
  return [...new Set(unknown)].join(" + ");
}

export function accountPhase(l: PhaseLedger, t: Tallies): PhaseAccount {
  const a: PhaseAccount = {
    acknowledged: l.acked.size, accepted: 0, rejected: 0, inValid: 0, inRejected: 0, storedRedis: 0, storedPg: 0, stored: 0,
    lost: { total: 0, notInValid: 0, notInRejected: 0, notInRedis: 0, notInPg: 0, duplicateOfNothing: 0, examples: [] },
    doubledKafka: { total: 0, byCause: {}, examples: [] },
    doubledRejected: 0,
    doubledStores: { total: 0, redis: 0, pg: 0, examples: [] },
    rejectedAsOwnRetry: 0,
    misleading: { total: 0, examples: [] },
    unanswered: l.unanswered.size,
    unansweredInValid: 0,
    refused: l.refused.size,
  };
  const example = (id: string, f: Fate): Example => ({
    id, outcome: f.outcome, codes: f.codes, before: f.before, valid: n(t.valid, id), rejected: n(t.rejected, id), redis: n(t.redis, id), pg: n(t.pg, id),
  });
  const note = (list: Example[], id: string, f: Fate) => list.length < MAX_EXAMPLES && list.push(example(id, f));

  for (const [id, f] of l.acked) {
    const v = n(t.valid, id);
    const r = n(t.redis, id);
    const p = n(t.pg, id);
    let lost = false;
    if (f.outcome === "accepted") {
      a.accepted++;
      if (v > 0) a.inValid++;
      else (a.lost.notInValid++, (lost = true));
      if (r > 0) a.storedRedis++;
      else (a.lost.notInRedis++, (lost = true));
      if (p > 0) a.storedPg++;
      else (a.lost.notInPg++, (lost = true));
      if (r > 0 && p > 0) a.stored++;
    } else {
      a.rejected++;
      if (n(t.rejected, id) > 0) a.inRejected++;
      else (a.lost.notInRejected++, (lost = true));
      if (n(t.rejected, id) > 1) a.doubledRejected++;
      const duplicate = !!f.codes?.some((c) => c.endsWith(".duplicate"));
      if (duplicate && v > 0) a.rejectedAsOwnRetry++;
      if (duplicate && v === 0) (a.lost.duplicateOfNothing++, (lost = true));
    }
    if (lost) {
      a.lost.total++;
      note(a.lost.examples, id, f);
    }
    if (v > 1) {
      a.doubledKafka.total++;
      const cause = causeOf(f.before);
      a.doubledKafka.byCause[cause] = (a.doubledKafka.byCause[cause] ?? 0) + 1;
      note(a.doubledKafka.examples, id, f);
    }
    if (r > 1 || p > 1) {
      a.doubledStores.total++;
      if (r > 1) a.doubledStores.redis++;
      if (p > 1) a.doubledStores.pg++;
      note(a.doubledStores.examples, id, f);
    }
    // An earlier attempt reached Kafka: the tick is there twice, or its 200 called it a duplicate.
    const earlierArrived = v > 1 || (f.outcome === "rejected" && v > 0 && !!f.codes?.some((c) => c.endsWith(".duplicate")));
    if (earlierArrived && f.before.length > 0 && causeOf(f.before) === "only 'none taken' 503s before the 200") {
      a.misleading.total++;
      note(a.misleading.examples, id, f);
    }
  }
  for (const id of l.unanswered.keys()) if (n(t.valid, id) > 0) a.unansweredInValid++;
  return a;
}

/** Identities in .valid that no phase sent: the account's own consistency check (must be 0). */
export function unknownInValid(ledgers: PhaseLedger[], valid: Multiset): string[] {
  const out: string[] = [];
  for (const id of valid.keys()) {
    if (ledgers.some((l) => l.acked.has(id) || l.unanswered.has(id) || l.refused.has(id))) continue;
    out.push(id);
    if (out.length >= MAX_EXAMPLES) break;
  }
  return out;
}
