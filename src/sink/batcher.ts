// Collects consumed items and hands them out in batches to the flush loop, which calls take() when
// a writer is free. With maxMs = 0 (the default) a free writer takes whatever is waiting at once:
// a quiet stream is written tick by tick with no timer in its way, and under load the items that
// arrive while a batch is being written become the next batch, so batches grow with the rate by
// themselves (the validators' Kafka batching works the same way). maxRows bounds a batch.
// maxMs > 0 makes a free writer wait up to that long for a fuller batch (fewer, larger writes).
//
// Why each batch was cut, for the metrics:
//   size   maxRows were waiting
//   ready  a writer was free and took what was there (maxMs = 0)
//   time   the oldest item waited maxMs
//   drain  the sink is draining or stopping
// One consumer calls take() at a time (the sink's flush loop); any number of producers push().

export type FlushReason = "size" | "ready" | "time" | "drain";

export interface Batch<T> {
  items: T[];
  reason: FlushReason;
  /** ms the oldest item waited in the batcher. */
  waitedMs: number;
}

export interface BatcherOptions {
  maxRows: number;
  /** 0: a free writer takes what is waiting at once; > 0: it waits up to this long for maxRows. */
  maxMs: number;
  now?: () => number;
}

export class Batcher<T> {
  private queue: T[] = [];
  /** Arrival time of queue[0]'s push (items pushed together share it). */
  private firstAt = 0;
  private wake: (() => void) | null = null;
  private draining = false;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly opts: BatcherOptions) {
    if (opts.maxRows < 1 || opts.maxMs < 0) throw new RangeError("maxRows ≥ 1 and maxMs ≥ 0");
    this.now = opts.now ?? (() => performance.now());
  }

  get size(): number {
    return this.queue.length;
  }

  push(items: T[]): void {
    if (items.length === 0) return;
    const wasEmpty = this.queue.length === 0;
    if (wasEmpty) this.firstAt = this.now();
    for (const it of items) this.queue.push(it);
    // Wake a waiting take() when a batch is full, when draining, or when the first item arrives
    // (it waits without a timer while empty; it must now take it or arm the time trigger).
    if (this.wake && (wasEmpty || this.queue.length >= this.opts.maxRows || this.draining)) this.wake();
  }

  /** Drops everything waiting (e.g. after a rebalance, when the consumer refetches from the committed offsets). */
  clear(): number {
    const n = this.queue.length;
    this.queue = [];
    return n;
  }

  /** While on, take() hands out whatever is waiting at once ("drain") instead of waiting for size or time. */
  drain(on = true): void {
    this.draining = on;
    if (on && this.wake) this.wake();
  }

  /** Drain, then take() resolves null once nothing is left: the flush loop's signal to end. */
  close(): void {
    this.closed = true;
    this.drain(true);
  }

  /**
   * Resolves with the next batch; null once closed and empty.
   * Items come out in push order: per partition that is offset order, which the commit relies on.
   */
  async take(): Promise<Batch<T> | null> {
    for (;;) {
      const n = this.queue.length;
      if (n >= this.opts.maxRows) return this.cut("size");
      if (n > 0 && this.draining) return this.cut("drain");
      if (n > 0 && this.opts.maxMs === 0) return this.cut("ready");
      if (n === 0 && this.closed) return null;
      const left = n === 0 ? Infinity : this.firstAt + this.opts.maxMs - this.now();
      if (n > 0 && left <= 0) return this.cut("time");
      await new Promise<void>((resolve) => {
        const timer = left === Infinity ? null : setTimeout(resolve, Math.max(1, Math.ceil(left)));
        this.wake = () => {
          if (timer) clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  private cut(reason: FlushReason): Batch<T> {
    const waitedMs = Math.max(0, this.now() - this.firstAt);
    const items = this.queue.length <= this.opts.maxRows ? this.queue : this.queue.slice(0, this.opts.maxRows);
    this.queue = items === this.queue ? [] : this.queue.slice(this.opts.maxRows);
    // The rest arrived after the cut's first item; restarting their clock now only delays them by
    // the write time of this batch, which they would wait anyway.
    if (this.queue.length) this.firstAt = this.now();
    return { items, reason, waitedMs };
  }
}
