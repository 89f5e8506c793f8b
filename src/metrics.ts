// tickgate's one metrics library: a small Prometheus registry of counters, gauges and histograms
// with labels, rendered in the text exposition format. Prometheus conventions: base units (seconds,
// bytes), counters end in `_total`. Label sets are joined into one string key once per observation;
// the hot path (per tick) never touches this: workers and the sink count per batch, the main thread
// per request. A thread keeps its own histograms and hands snapshot() (plain data) to the thread
// that serves /metrics, which merge()s them into a registry built for that scrape.

type Labels = Record<string, string>;

const escape = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const labelText = (labels: Labels) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
};

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  abstract lines(): string[];
  header(type: string) {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${type}`];
  }
}

export class Counter extends Metric {
  private values = new Map<string, number>();
  inc(labels: Labels = {}, by = 1) {
    const key = labelText(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  get(labels: Labels = {}) {
    return this.values.get(labelText(labels)) ?? 0;
  }
  lines() {
    return [...this.header("counter"), ...[...this.values].map(([k, v]) => `${this.name}${k} ${v}`)];
  }
}

export class Gauge extends Metric {
  private values = new Map<string, number>();
  set(labels: Labels, value: number) {
    this.values.set(labelText(labels), value);
  }
  lines() {
    return [...this.header("gauge"), ...[...this.values].map(([k, v]) => `${this.name}${k} ${v}`)];
  }
}

/** Latency buckets in seconds, 0.25 ms … 10 s. */
export const LATENCY_BUCKETS = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Histogram extends Metric {
  private series = new Map<string, HistogramSeries>();
  constructor(name: string, help: string, readonly buckets = LATENCY_BUCKETS) {
    super(name, help);
  }
  observe(value: number, labels: Labels = {}) {
    const key = labelText(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i]++;
    s.sum += value;
    s.count++;
  }
  /** Adds another histogram's state (same buckets), e.g. one reported by a worker thread. */
  merge(snapshot: HistogramSnapshot) {
    for (const [key, o] of Object.entries(snapshot)) {
      let s = this.series.get(key);
      if (!s) this.series.set(key, (s = { counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 }));
      for (let i = 0; i < this.buckets.length; i++) s.counts[i] += o.counts[i] ?? 0;
      s.sum += o.sum;
      s.count += o.count;
    }
  }
  snapshot(): HistogramSnapshot {
    return Object.fromEntries([...this.series].map(([k, s]) => [k, { counts: [...s.counts], sum: s.sum, count: s.count }]));
  }
  /**
   * One series, or the sum of several (e.g. one per route), with its bucket bounds, as plain data for
   * a JSON answer (zeros before the first observation). No label sets: the series without labels.
   */
  summary(...labelSets: Labels[]): HistogramSummary {
    const out: HistogramSummary = { buckets: [...this.buckets], counts: this.buckets.map(() => 0), sum: 0, count: 0 };
    for (const labels of labelSets.length ? labelSets : [{}]) {
      const s = this.series.get(labelText(labels));
      if (!s) continue;
      for (let i = 0; i < s.counts.length; i++) out.counts[i]! += s.counts[i]!;
      out.sum += s.sum;
      out.count += s.count;
    }
    return out;
  }
  lines() {
    const out = this.header("histogram");
    for (const [key, s] of this.series) {
      const inner = key ? key.slice(1, -1) + "," : "";
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket{${inner}le="${b}"} ${s.counts[i]}`));
      out.push(`${this.name}_bucket{${inner}le="+Inf"} ${s.count}`);
      out.push(`${this.name}_sum${key} ${s.sum}`, `${this.name}_count${key} ${s.count}`);
    }
    return out;
  }
}

/** One label set's state: cumulative counts per bucket bound (observations ≤ it), their sum and number. */
export interface HistogramSeries {
  counts: number[];
  sum: number;
  count: number;
}
/** A histogram's state by label text, plain data (structured-clonable: it crosses threads). */
export type HistogramSnapshot = Record<string, HistogramSeries>;
export interface HistogramSummary extends HistogramSeries {
  /** The upper bounds the counts are cumulative to (+Inf is `count`). */
  buckets: number[];
}

export class Registry {
  private metrics: Metric[] = [];
  counter(name: string, help: string) {
    return this.add(new Counter(name, help));
  }
  gauge(name: string, help: string) {
    return this.add(new Gauge(name, help));
  }
  histogram(name: string, help: string, buckets?: number[]) {
    return this.add(new Histogram(name, help, buckets));
  }
  private add<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }
  text(): string {
    return this.metrics.flatMap((m) => m.lines()).join("\n") + "\n";
  }
}
