// The kafkajs side of the sink: a consumer group member on `<prefix>.valid` that decodes each
// fetched batch into the Batcher and returns, so the next fetch overlaps the write of the previous
// batch. Offsets are never auto-committed: commit() is called by the flush loop with the offsets of
// batches both targets took.
//
// Why the buffer is dropped on GROUP_JOIN: after a rebalance kafkajs refetches every assigned
// partition from its committed offset, so records still waiting here would arrive twice. Records
// already being written are finished, but committed only if they were fetched in the current group
// generation: a partition that moved is its new owner's to commit (it rewrites from the committed
// offset, and the writes are idempotent), and a late commit from here would move its offset back.
import type { Consumer, EachBatchPayload, Kafka } from "kafkajs";
import type { Batcher } from "./batcher.ts";
import type { SinkState } from "./stats.ts";
import { decodeRecord, type SinkTick } from "./decode-record.ts";
import { POISON, PoisonRecord, messageOf } from "./sink-errors.ts";

/** One consumed record: decoded tick, or why it is poison. Keeps the raw bytes for the DLQ. */
export interface Consumed {
  partition: number;
  /** The group generation it was fetched in: only the current generation's records are committed. */
  generation: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  tick: SinkTick | null;
  poison: PoisonRecord | null;
}

export interface ConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topic: string;
  batcher: Batcher<Consumed>;
  /** eachBatch waits while this many records are buffered (backpressure while a target is down). */
  maxBuffered: number;
  /** Broker-side long poll bound (fetch.max.wait): also bounds how long stop() waits for a fetch. */
  fetchMaxWaitMs: number;
  /** How long a member that died without leaving (kill -9) keeps its partitions. */
  sessionTimeoutMs: number;
  stats: SinkState;
  log: (msg: string) => void;
  /** The consumer crashed and kafkajs will not restart it. */
  onCrashForGood?: (error: unknown) => void;
}

export function decodeMessage(partition: number, m: { offset: string; key: Buffer | null; value: Buffer | null }, generation = 0): Consumed {
  try {
    return { partition, generation, offset: m.offset, key: m.key, value: m.value, tick: decodeRecord(m.value), poison: null };
  } catch (e) {
    const p = e instanceof PoisonRecord ? e : new PoisonRecord(POISON.undecodable, messageOf(e));
    return { partition, generation, offset: m.offset, key: m.key, value: m.value, tick: null, poison: p };
  }
}

/** A failed commit with no batch after it is tried again this much later. */
const COMMIT_RETRY_MS = 1000;

export function createConsumer(o: ConsumerOptions) {
  const { batcher, stats, topic } = o;
  const consumer: Consumer = o.kafka.consumer({
    groupId: o.groupId,
    sessionTimeout: o.sessionTimeoutMs,
    rebalanceTimeout: 60_000,
    heartbeatInterval: 3_000,
    maxWaitTimeInMs: o.fetchMaxWaitMs,
    maxBytesPerPartition: 4 << 20,
    maxBytes: 32 << 20,
    allowAutoTopicCreation: false,
    retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 5_000 },
  });

  let generation = 0;
  let stopping = false;
  const highWatermark = new Map<number, number>();
  /** Next offset to consume per partition as this member committed it (or first saw it). */
  const committed = new Map<number, number>();
  /** Offsets written but not yet committed (a failed commit is retried with the next batch). */
  const pending = new Map<number, number>();
  let spaceWaiter: (() => void) | null = null;

  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    generation++;
    const dropped = batcher.clear();
    stats.rebalanceDropped += dropped;
    stats.buffered = batcher.size;
    const assigned: number[] = (e.payload.memberAssignment[topic] ?? []).slice().sort((a: number, b: number) => a - b);
    stats.assigned = assigned;
    stats.joined = true;
    for (const p of [...highWatermark.keys()]) if (!assigned.includes(p)) highWatermark.delete(p);
    for (const p of [...committed.keys()]) if (!assigned.includes(p)) committed.delete(p);
    // A partition that moved on is its new owner's to commit (it rewrites from the committed offset).
    for (const p of [...pending.keys()]) if (!assigned.includes(p)) pending.delete(p);
    for (const p of [...committedByUs.keys()]) if (!assigned.includes(p)) committedByUs.delete(p);
    o.log(`joined group ${o.groupId} (generation ${generation}): partitions [${assigned.join(",")}]${dropped ? `, ${dropped} buffered records dropped (refetched)` : ""}`);
    notifySpace();
  });
  consumer.on(consumer.events.CRASH, (e) => {
    stats.joined = false;
    o.log(`consumer crashed (${messageOf(e.payload.error)}); restart: ${e.payload.restart}`);
    if (!e.payload.restart && !stopping) o.onCrashForGood?.(e.payload.error);
  });

  function notifySpace() {
    const w = spaceWaiter;
    spaceWaiter = null;
    w?.();
  }
  const waitSpace = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      spaceWaiter = () => {
        clearTimeout(t);
        resolve();
      };
    });

  async function eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) {
    const gen = generation;
    while (batcher.size >= o.maxBuffered) {
      if (stopping || !isRunning() || isStale()) return;
      await waitSpace(1000);
      // Heartbeat while we hold the fetch back, so the group doesn't evict us during an outage;
      // it throws when a rebalance started, which hands control back to kafkajs.
      await heartbeat();
      if (gen !== generation) return;
    }
    if (stopping || gen !== generation) return;
    const p = batch.partition;
    const msgs = batch.messages;
    const items: Consumed[] = new Array(msgs.length);
    for (let i = 0; i < msgs.length; i++) items[i] = decodeMessage(p, msgs[i], gen);
    stats.consumed += msgs.length;
    highWatermark.set(p, Number(batch.highWatermark));
    if (!committed.has(p) && msgs.length) committed.set(p, Number(msgs[0].offset));
    batcher.push(items);
    stats.buffered = batcher.size;
    // Advances the fetch position only; what is committed is decided by commit().
    resolveOffset(batch.lastOffset());
  }

  /**
   * Commits the offsets after the given written records. Never throws. A failed commit is kept and
   * retried with the next batch, or after COMMIT_RETRY_MS when no batch comes (an idle sink must not
   * leave what it wrote uncommitted for good). Commits run one at a time, in call order, so an older
   * one can never land after a newer one.
   */
  function commit(items: Consumed[]): Promise<void> {
    const run = committing.then(() => commitNow(items));
    committing = run;
    return run;
  }
  let committing: Promise<void> = Promise.resolve();
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  function retryLater() {
    if (retryTimer || stopping) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void commit([]);
    }, COMMIT_RETRY_MS);
    retryTimer.unref?.();
  }

  async function commitNow(items: Consumed[]): Promise<void> {
    for (const c of items) {
      // A batch fetched before a rebalance may finish writing after it. Its partitions that moved
      // are the new owner's to commit: committing them here would move the new owner's offset back
      // (the broker does not check who owns a partition), and its records would be read again —
      // also when the partition came back here meanwhile (A → B → A). Those that stayed are
      // refetched from the committed offset anyway. So only this generation's records count.
      if (c.generation !== generation) continue;
      const next = Number(c.offset) + 1;
      if (next > (pending.get(c.partition) ?? -1)) pending.set(c.partition, next);
    }
    // Never move a commit backwards (a refetch after a rebalance replays lower offsets).
    for (const [p, off] of pending) if (off <= (committedByUs.get(p) ?? -1)) pending.delete(p);
    if (pending.size === 0) return;
    const offsets = [...pending].map(([partition, offset]) => ({ topic, partition, offset: String(offset) }));
    try {
      await consumer.commitOffsets(offsets);
      for (const { partition, offset } of offsets) {
        committedByUs.set(partition, Number(offset));
        committed.set(partition, Number(offset));
        if (pending.get(partition) === Number(offset)) pending.delete(partition);
      }
      stats.commits++;
    } catch (e) {
      stats.commitFailures++;
      o.log(`offset commit failed (kept, retried with the next batch or in ${COMMIT_RETRY_MS} ms): ${messageOf(e)}`);
      retryLater();
    }
  }
  const committedByUs = new Map<number, number>();

  function lag() {
    let total = 0;
    const byPartition: Record<number, number> = {};
    for (const [p, hw] of highWatermark) {
      const n = Math.max(0, hw - (committed.get(p) ?? hw));
      byPartition[p] = n;
      total += n;
    }
    return { total, byPartition };
  }

  async function start() {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch });
  }

  async function pause() {
    try {
      consumer.pause([{ topic }]);
    } catch {
      // not running yet: nothing to pause
    }
  }

  async function stop() {
    stopping = true;
    clearTimeout(retryTimer);
    notifySpace();
    await consumer.disconnect();
    stats.joined = false;
  }

  return { start, stop, pause, commit, lag, notifySpace, consumer };
}

export type SinkConsumer = ReturnType<typeof createConsumer>;
