// Which partition a record goes to: kafkajs's default partitioner, remembered per key.
import { Partitioners, type ICustomPartitioner } from "kafkajs";

/**
 * kafkajs's default (Java-compatible murmur2) partitioner, remembered per key. kafkajs computes
 * murmur2 with BigInt-backed 64-bit arithmetic for every message (40% of a sendBatch's CPU here);
 * tickgate's keys are `exchange:symbol`, a few thousand at most, so each is hashed once per topic
 * and partition count. The partition a key maps to is exactly the default one.
 *
 * The chosen partition is pinned on the message (`message.partition`): a resend of the same message
 * objects — a retry, or a batch split after Kafka refused a record (deliver.ts) — lands every record
 * where it landed before, keyless ones (round-robin) included, so the broker's idempotence sees the
 * same per-partition batches again.
 */
export const cachedKeyPartitioner: ICustomPartitioner = () => {
  const inner = Partitioners.DefaultPartitioner();
  const byTopic = new Map<string, { partitions: number; byKey: Map<string, number> }>();
  return (args) => {
    const m = args.message;
    if (m.partition != null) return m.partition;
    const key = m.key;
    let p: number;
    if (typeof key !== "string") {
      p = inner(args);
    } else {
      let t = byTopic.get(args.topic);
      if (!t || t.partitions !== args.partitionMetadata.length || t.byKey.size > 16_384) {
        byTopic.set(args.topic, (t = { partitions: args.partitionMetadata.length, byKey: new Map() }));
      }
      let cached = t.byKey.get(key);
      if (cached === undefined) t.byKey.set(key, (cached = inner(args)));
      p = cached;
    }
    m.partition = p;
    return p;
  };
};
