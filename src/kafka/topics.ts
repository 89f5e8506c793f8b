// Creating tickgate's topics at start (ingest and sink both do; whichever comes first creates them).
import type { Admin, ITopicConfig, Kafka } from "kafkajs";

/** Creates the topics that are missing (an existing topic is left as it is). */
export async function ensureTopics(kafka: Kafka, names: string[], numPartitions: number): Promise<void> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing: ITopicConfig[] = names
      .filter((topic) => !existing.has(topic))
      .map((topic) => ({ topic, numPartitions, replicationFactor: -1 }));
    if (missing.length > 0) {
      try {
        await admin.createTopics({ topics: missing, waitForLeaders: true });
      } catch (err: any) {
        // Another process may have created it between listTopics and createTopics.
        if (err?.type !== "TOPIC_ALREADY_EXISTS" && !/already exists/i.test(String(err?.message))) throw err;
      }
    }
  } finally {
    await admin.disconnect();
  }
}
