// Latency samples kept whole (one float per request, not per tick: a few hundred thousand at most),
// sorted once when read. Exact percentiles, nearest-rank.
export class Samples {
  private data = new Float64Array(1024);
  count = 0;
  private sorted = true;

  add(v: number): void {
    if (this.count === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.count++] = v;
    this.sorted = false;
  }

  addAll(other: Samples): void {
    for (let i = 0; i < other.count; i++) this.add(other.data[i]);
  }

  mean(): number {
    let sum = 0;
    for (let i = 0; i < this.count; i++) sum += this.data[i];
    return this.count ? sum / this.count : NaN;
  }

  /** p in [0, 100]; NaN when empty. */
  pct(p: number): number {
    if (this.count === 0) return NaN;
    if (!this.sorted) {
      this.data.subarray(0, this.count).sort();
      this.sorted = true;
    }
    const rank = Math.min(this.count - 1, Math.max(0, Math.ceil((p / 100) * this.count) - 1));
    return this.data[rank];
  }

  summary(): LatencySummary {
    return { n: this.count, p50: round(this.pct(50)), p95: round(this.pct(95)), p99: round(this.pct(99)), max: round(this.pct(100)) };
  }
}

export interface LatencySummary {
  n: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export const round = (v: number, digits = 2): number | null => (Number.isFinite(v) ? Math.round(v * 10 ** digits) / 10 ** digits : null);
