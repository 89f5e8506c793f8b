// How far the sink has got, seen from outside it (it may be dead): the consumer group's committed
// offsets on `<prefix>.valid` against the topic's high watermarks. The sink commits a batch only
// after Redis and PostgreSQL both took it, so "committed ≥ a snapshot of the high watermarks" means
// every record that was in Kafka at the snapshot is stored. Each admin call is bounded; a failed one
// drops the client so the next call starts afresh (the broker may just have been restarted).
import type { Admin, Kafka } from "kafkajs";
import { withTimeout } from "../../src/timeout.ts";

export type Offsets = Map<number, number>;

const CALL_MS = 5000;

export class SinkProgress {
  private admin: Promise<Admin> | null = null;

  constructor(private readonly kafka: Kafka, readonly topic: string, readonly group: string) {}

  private async call<T>(what: string, fn: (a: Admin) => Promise<T>): Promise<T> {
    if (!this.admin) {
      const a = this.kafka.admin();
      this.admin = a.connect().then(() => a);
    }
    const current = this.admin;
    try {
      return await withTimeout(CALL_MS, current.then(fn), what);
    } catch (err) {
      if (this.admin === current) this.admin = null;
      current.then((a) => a.disconnect()).catch(() => {});
      throw err;
    }
  }

  highWatermarks(): Promise<Offsets> {
    return this.call("fetchTopicOffsets", async (a) => new Map((await a.fetchTopicOffsets(this.topic)).map((p) => [p.partition, Number(p.high)])));
  }

  committed(): Promise<Offsets> {
    return this.call("fetchOffsets", async (a) => {
      const [t] = await a.fetchOffsets({ groupId: this.group, topics: [this.topic] });
      return new Map((t?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    });
  }

  /** Records in Kafka not yet committed by the sink, against `target` (null when Kafka does not answer). */
  async behind(target: Offsets): Promise<number | null> {
    try {
      const c = await this.committed();
      let n = 0;
      // An offset of -1 is "nothing committed yet": everything below the target is behind.
      for (const [p, high] of target) n += Math.max(0, high - Math.max(0, c.get(p) ?? 0));
      return n;
    } catch {
      return null;
    }
  }

  /** Waits until the sink committed everything up to `target`; the time it got there, or null at the deadline. */
  async waitCommitted(target: Offsets, deadline: number, aborted: () => boolean, onPoll?: (behind: number | null) => void): Promise<number | null> {
    for (;;) {
      const behind = await this.behind(target);
      onPoll?.(behind);
      if (behind === 0) return performance.now();
      if (performance.now() > deadline || aborted()) return null;
      await Bun.sleep(250);
    }
  }

  /** High watermarks, retried until Kafka answers or the deadline passes. */
  async snapshot(deadline: number, aborted: () => boolean): Promise<Offsets | null> {
    for (;;) {
      try {
        return await this.highWatermarks();
      } catch {
        if (performance.now() > deadline || aborted()) return null;
        await Bun.sleep(500);
      }
    }
  }

  async close(): Promise<void> {
    await this.admin?.then((a) => a.disconnect()).catch(() => {});
    this.admin = null;
  }
}
