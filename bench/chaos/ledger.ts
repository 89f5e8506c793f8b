// What the clients of one phase were told: every tick of a request answered 200 with its outcome
// (accepted, or rejected with its codes), the attempts its batch needed before that 200, the ticks
// that never got a 200, and the phase's non-200 answers by kind. Times are performance.now() ms.

/** One attempt that was not a 200, as the account shows it: `503 pipeline.busy`, `error`, `timeout`, `500 internal`. */
export type Attempt = string;

export interface Fate {
  outcome: "accepted" | "rejected";
  codes: string[] | null;
  /** the non-200 answers the batch got before its 200, in order (shared by the batch's ticks) */
  before: Attempt[];
}

// 503 codes whose contract is "none of the request's ticks were taken" (docs/api.md, "Errors").
export const NONE_TAKEN = new Set(["pipeline.full", "pipeline.busy", "pipeline.behind", "pipeline.shutting_down"]);

export class PhaseLedger {
  readonly acked = new Map<string, Fate>();
  /** ticks of batches that never got a 200 (the phase ended first): what was tried */
  readonly unanswered = new Map<string, Attempt[]>();
  /** ticks of batches refused for good (a 4xx): a well-formed batch must never get one */
  readonly refused = new Map<string, string>();
  /** non-200 answers by kind, every attempt counted */
  readonly answers: Record<string, number> = {};
  /** first attempts only: the offered load */
  offeredTicks = 0;
  requests = 0;
  /** answers whose accepted + rejected did not cover the batch, or whose rejects named a bad index */
  readonly inconsistent: string[] = [];
  /** (sent, answered) of every 200, in answer order */
  readonly oks: { sentAt: number; at: number }[] = [];
  loadStartedAt = 0;
  loadStoppedAt = 0;

  constructor(readonly name: string) {}

  attempt(kind: Attempt) {
    this.answers[kind] = (this.answers[kind] ?? 0) + 1;
  }

  answered(ids: string[], before: Attempt[], r: { accepted: number; rejected: number; rejects?: { index: number; codes: string[] }[]; rejectsTruncated?: boolean }, sentAt: number, at: number) {
    this.oks.push({ sentAt, at });
    const codes = new Map<number, string[]>();
    for (const j of r.rejects ?? []) codes.set(j.index, j.codes);
    // A cut listing (rejectsTruncated) leaves some ticks' outcome unknown: reported, not guessed.
    if (r.accepted + r.rejected !== ids.length || codes.size !== r.rejected || r.rejectsTruncated || [...codes.keys()].some((i) => i < 0 || i >= ids.length)) {
      if (this.inconsistent.length < 20) this.inconsistent.push(`batch of ${ids.length}: accepted ${r.accepted}, rejected ${r.rejected}, rejects ${JSON.stringify([...codes.keys()].slice(0, 10))}`);
    }
    for (let i = 0; i < ids.length; i++) {
      const c = codes.get(i);
      this.acked.set(ids[i], { outcome: c ? "rejected" : "accepted", codes: c ?? null, before });
    }
  }

  gaveUp(ids: string[], attempts: Attempt[]) {
    for (const id of ids) this.unanswered.set(id, attempts);
  }

  refusedForGood(ids: string[], answer: string) {
    for (const id of ids) this.refused.set(id, answer);
  }

  /** When the first request sent at or after `t` was answered 200 (null: none yet). */
  firstOkSentAfter(t: number): number | null {
    let best: number | null = null;
    for (const o of this.oks) if (o.sentAt >= t && (best === null || o.at < best)) best = o.at;
    return best;
  }

  /** The longest stretch between two 200s within [from, to] (the ingest outage as clients saw it). */
  longestGapWithoutOk(from: number, to: number): number {
    const ats = this.oks.map((o) => o.at).filter((a) => a >= from && a <= to).sort((a, b) => a - b);
    let gap = 0;
    let prev = from;
    for (const a of ats) {
      gap = Math.max(gap, a - prev);
      prev = a;
    }
    return Math.max(gap, to - prev);
  }
}
