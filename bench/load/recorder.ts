// What the clients saw: totals, the ack-latency samples, and a per-second timeline (ticks sent and
// answered, errors, ack latency percentiles) for the chart. Times are performance.now() ms.
import { round, Samples, type LatencySummary } from "./hist.ts";

export interface Totals {
  requests: number;
  sent: number;
  accepted: number;
  rejected: number;
  flagged: number;
  /** ticks in requests answered 503 (the contract: none of them was taken) */
  refused: number;
  /** ticks in requests that failed otherwise (other status, network error, timeout): fate unknown */
  failed: number;
  /** bad ticks the generator put in requests answered 200 (every one must be rejected) */
  generatedBad: number;
  statuses: Record<string, number>;
  errors: string[];
}

export interface Second {
  t: number;
  sent: number;
  acked: number;
  errors: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

export class Recorder {
  readonly totals: Totals = { requests: 0, sent: 0, accepted: 0, rejected: 0, flagged: 0, refused: 0, failed: 0, generatedBad: 0, statuses: {}, errors: [] };
  readonly latency = new Samples();
  private seconds: { sent: number; acked: number; errors: number; lat: Samples }[] = [];
  firstSend = Infinity;
  lastAnswer = 0;

  constructor(readonly origin: number) {}

  private bucket(t: number) {
    const i = Math.max(0, Math.floor((t - this.origin) / 1000));
    while (this.seconds.length <= i) this.seconds.push({ sent: 0, acked: 0, errors: 0, lat: new Samples() });
    return this.seconds[i];
  }

  sent(t: number, count: number): void {
    this.totals.requests++;
    this.totals.sent += count;
    this.bucket(t).sent += count;
    if (t < this.firstSend) this.firstSend = t;
  }

  answered(t0: number, t1: number, r: { accepted: number; rejected: number; flagged: number }, bad: number): void {
    const ms = t1 - t0;
    this.totals.generatedBad += bad;
    this.totals.accepted += r.accepted;
    this.totals.rejected += r.rejected;
    this.totals.flagged += r.flagged;
    this.status("200");
    this.latency.add(ms);
    const b = this.bucket(t1);
    b.acked += r.accepted + r.rejected;
    b.lat.add(ms);
    if (t1 > this.lastAnswer) this.lastAnswer = t1;
  }

  failed(t1: number, count: number, status: string, detail: string): void {
    if (status === "503") this.totals.refused += count;
    else this.totals.failed += count;
    this.status(status);
    this.bucket(t1).errors += count;
    if (this.totals.errors.length < 20) this.totals.errors.push(`${status}: ${detail.slice(0, 300)}`);
  }

  private status(s: string) {
    this.totals.statuses[s] = (this.totals.statuses[s] ?? 0) + 1;
  }

  timeline(): Second[] {
    return this.seconds.map((s, t) => ({ t, sent: s.sent, acked: s.acked, errors: s.errors, p50: round(s.lat.pct(50)), p99: round(s.lat.pct(99)), max: round(s.lat.pct(100)) }));
  }

  /** Rates and p99 of the last complete second, for the progress bar. */
  lastSecond(now: number): { sent: number; acked: number; p99: number | null; errors: number } {
    const b = this.seconds[Math.floor((now - this.origin) / 1000) - 1];
    if (!b) return { sent: 0, acked: 0, p99: null, errors: 0 };
    return { sent: b.sent, acked: b.acked, p99: round(b.lat.pct(99)), errors: b.errors };
  }

  ack(): LatencySummary {
    return this.latency.summary();
  }
}

