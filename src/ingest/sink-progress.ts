// How far the sink has stored what this process produced, read from Kafka: the sink group's
// committed offsets on `<prefix>.valid` (the sink commits a batch's offsets only once Redis and
// PostgreSQL both hold it, sink/index.ts). The same reading serves every deployment — the sink as a
// thread of this process (ROLE=all) or as separate ROLE=sink processes — because it never asks the
// sink, only Kafka.
//
// It answers two questions:
//   stored(offsets)  resolves once the group's committed offset on each partition has passed the
//                    request's last offset there (?ack=stored). Polled every BUSY_POLL_MS while
//                    anyone waits, so the answer follows the commit by a few ms.
//   lag()            records (high watermark − committed) and seconds: how long ago Kafka
//                    acknowledged the oldest tick this process produced that the group has not
//                    committed. (Not from the tick's recvTs: that is its request's arrival, and an
//                    NDJSON stream keeps the time it started for every line, however long it runs.)
//                    Records other processes produced count in the records, not in the seconds: each
//                    ingest process measures the wait of its own ticks, which is what it refuses
//                    requests by. behind() compares the seconds with SINK_MAX_LAG_MS for 503
//                    pipeline.behind. One clock (Date.now()) for every time here.
import type { Admin, Kafka } from "kafkajs";
import { log } from "../log.ts";
import { withTimeout } from "../timeout.ts";

export interface SinkProgressOptions {
  group: string;
  topic: string;
  /** Lag in ms past which behind() is true; 0 = never. */
  maxLagMs: number;
  /**
   * Apply maxLagMs before the group has committed anything on the topic. True where a sink is known
   * to run (ROLE=all); false for ROLE=ingest, where a topic no sink has ever read has no storage to
   * wait for (and a fresh deployment may not have started its sinks yet).
   */
  sinkKnown: boolean;
  /** Poll interval while nobody waits for stored(): the lag's resolution. */
  idlePollMs?: number;
}

export interface Lag {
  /** Records in the topic the group has not committed. */
  records: number;
  /** Seconds the oldest tick this process produced has waited for the sink (see the module comment); 0 when none. */
  seconds: number;
  byPartition: Record<number, number>;
  /** false until committed offsets were read from Kafka once. */
  known: boolean;
  /** The group has committed on the topic (a sink exists). */
  sinkSeen: boolean;
}

interface Waiter {
  /** partition → the last offset that must be committed (the committed offset must pass it). */
  offsets: Map<number, number>;
  resolve: () => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Produced batches on one partition: their last offset, and when Kafka acknowledged the first of them (ms). */
interface Sample {
  offset: number;
  ackedMs: number;
}

/** Poll interval while a request waits for stored(): each poll is a FindCoordinator and an OffsetFetch. */
const BUSY_POLL_MS = 5;
/** Produced batches of one partition closer together than this share one sample. */
const SAMPLE_MS = 10;
/** Samples kept per partition; past it neighbours are merged (ages stay conservative). */
const MAX_SAMPLES = 2048;
/** A poll that does not answer in this long counts as failed; the last reading is kept. */
const POLL_TIMEOUT_MS = 3000;

export class SinkProgress {
  private admin: Admin | null = null;
  /** partition → next offset the group will consume (its committed offset). */
  private readonly committed = new Map<number, number>();
  private readonly high = new Map<number, number>();
  private readonly samples = new Map<number, Sample[]>();
  private waiters = new Set<Waiter>();
  private known = false;
  private sinkSeen = false;
  private stopped = false;
  private wake: (() => void) | null = null;
  private highReadAt = 0;
  private loop: Promise<void> | null = null;
  private lastError: string | null = null;

  constructor(private readonly kafka: Kafka, private readonly opts: SinkProgressOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop?.catch(() => {});
    for (const w of this.waiters) this.settle(w, new Error("tickgate is shutting down"));
    await this.admin?.disconnect().catch(() => {});
  }

  /** Notes what a completion says Kafka just acknowledged: flat [partition, lastOffset, …] pairs of `topic`. */
  produced(pairs: readonly number[], now = Date.now()): void {
    for (let i = 0; i < pairs.length; i += 2) {
      const p = pairs[i]!;
      const offset = pairs[i + 1]!;
      let list = this.samples.get(p);
      if (!list) this.samples.set(p, (list = []));
      const last = list[list.length - 1];
      // Batches acknowledged close together share a sample: the later offset, the earlier time.
      if (last && now >= last.ackedMs && now - last.ackedMs < SAMPLE_MS) {
        if (offset > last.offset) last.offset = offset;
      } else list.push({ offset, ackedMs: now });
      if (list.length > MAX_SAMPLES) this.samples.set(p, halve(list));
    }
  }

  /** Resolves once the group committed past every offset in `offsets`; rejects after `timeoutMs`. */
  stored(offsets: Map<number, number>, timeoutMs: number): Promise<void> {
    if (this.isStored(offsets)) return Promise.resolve();
    if (this.stopped) return Promise.reject(new Error("tickgate is shutting down"));
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        offsets, resolve, reject,
        timer: setTimeout(() => this.settle(w, new Error(`the sink did not store the ticks within ${timeoutMs} ms (STORED_ACK_TIMEOUT_MS)`)), timeoutMs),
      };
      this.waiters.add(w);
      this.wake?.(); // poll at the busy rate from now on
    });
  }

  lag(now = Date.now()): Lag {
    const byPartition: Record<number, number> = {};
    let records = 0;
    for (const [p, high] of this.high) {
      const n = Math.max(0, high - (this.committed.get(p) ?? 0));
      byPartition[p] = n;
      records += n;
    }
    return { records, seconds: this.waitedMs(now) / 1000, byPartition, known: this.known, sinkSeen: this.sinkSeen };
  }

  /**
   * The lag in ms when it passes SINK_MAX_LAG_MS (and applies), else 0. Asked of every request
   * (before its body is read, and again as its ticks are taken): no allocation.
   */
  behind(now = Date.now()): number {
    if (this.opts.maxLagMs === 0 || !this.known || !(this.sinkSeen || this.opts.sinkKnown)) return 0;
    const ms = this.waitedMs(now);
    return ms > this.opts.maxLagMs ? ms : 0;
  }

  /** How long the oldest uncommitted tick of this process has waited since Kafka acknowledged it (ms). */
  private waitedMs(now: number): number {
    let oldest = Infinity;
    for (const list of this.samples.values()) if (list.length) oldest = Math.min(oldest, list[0]!.ackedMs);
    return oldest === Infinity ? 0 : Math.max(0, now - oldest);
  }

  waiting(): number {
    return this.waiters.size;
  }

  error(): string | null {
    return this.lastError;
  }

  // ---------------------------------------------------------------- polling

  private async run() {
    const idleMs = this.opts.idlePollMs ?? 200;
    while (!this.stopped) {
      await this.poll();
      const ms = this.waiters.size > 0 ? BUSY_POLL_MS : idleMs;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  private async poll() {
    try {
      if (!this.admin) {
        const admin = this.kafka.admin();
        try {
          await withTimeout(POLL_TIMEOUT_MS, admin.connect(), "connecting the sink-progress admin client");
        } catch (e) {
          // A connect that finishes after the bound must not leave a client behind.
          void admin.disconnect().catch(() => {});
          throw e;
        }
        this.admin = admin;
      }
      const now = Date.now();
      // High watermarks only feed the lag, which is read at the idle rate; commits are read every poll.
      const readHigh = now - this.highReadAt >= (this.opts.idlePollMs ?? 200);
      const [groups, tops] = await withTimeout(POLL_TIMEOUT_MS, Promise.all([
        this.admin.fetchOffsets({ groupId: this.opts.group, topics: [this.opts.topic] }),
        readHigh ? this.admin.fetchTopicOffsets(this.opts.topic) : null,
      ]), "reading the sink group's offsets");
      if (tops) {
        this.highReadAt = now;
        for (const t of tops) this.high.set(t.partition, Number(t.high));
        for (const t of tops) if (!this.committed.has(t.partition)) this.committed.set(t.partition, Number(t.low));
      }
      for (const g of groups) {
        if (g.topic !== this.opts.topic) continue;
        for (const { partition, offset } of g.partitions) {
          const next = Number(offset);
          if (next < 0) continue; // the group has not committed on this partition
          this.sinkSeen = true;
          this.committed.set(partition, next);
        }
      }
      this.known = true;
      this.lastError = null;
      this.prune();
      for (const w of this.waiters) if (this.isStored(w.offsets)) this.settle(w);
    } catch (e) {
      const msg = (e as Error)?.message ?? String(e);
      if (this.lastError === null) log.warn("cannot read the sink group's offsets; lag and ?ack=stored wait", { error: msg });
      this.lastError = msg;
      // A broken connection is rebuilt on the next poll.
      const admin = this.admin;
      this.admin = null;
      await admin?.disconnect().catch(() => {});
      if (!this.stopped) await Bun.sleep(100);
    }
  }

  private isStored(offsets: Map<number, number>): boolean {
    for (const [p, last] of offsets) if ((this.committed.get(p) ?? -1) <= last) return false;
    return true;
  }

  /**
   * Drops what is stored: samples below the committed offset. Also samples at or past a high
   * watermark read well after Kafka acknowledged them (the topic was deleted and created again:
   * those offsets will never be committed, and refusing every request would keep them there for good).
   */
  private prune() {
    const highSince = this.highReadAt - 1000;
    for (const [p, list] of this.samples) {
      const committed = this.committed.get(p) ?? 0;
      const high = this.high.get(p) ?? Infinity;
      const kept = list.filter((s) => s.offset >= committed && !(s.offset >= high && s.ackedMs < highSince));
      if (kept.length !== list.length) this.samples.set(p, kept);
    }
  }

  private settle(w: Waiter, err?: Error) {
    if (!this.waiters.delete(w)) return;
    clearTimeout(w.timer);
    if (err) w.reject(err);
    else w.resolve();
  }
}

/** Merges neighbouring samples: the later offset, the earlier time (a tick never looks younger than it is). */
function halve(list: Sample[]): Sample[] {
  const out: Sample[] = [];
  for (let i = 0; i < list.length; i += 2) {
    const a = list[i]!;
    const b = list[i + 1];
    out.push(b ? { offset: Math.max(a.offset, b.offset), ackedMs: Math.min(a.ackedMs, b.ackedMs) } : a);
  }
  return out;
}
