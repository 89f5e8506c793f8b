// Where the valid ticks landed. Each completion says, per partition of `<prefix>.valid`, the last
// offset its batch wrote there, so that ?ack=stored can wait until the sink group has committed past
// it (ingest/sink-progress.ts). A request's own ticks sit at or before that offset, so waiting for
// it is never too early.
import type { RecordMetadata, TopicMessages } from "kafkajs";
import type { Completion } from "../ring-records.ts";
import type { Batch } from "./batch.ts";

export class ValidOffsets {
  /** partition → last offset written in this batch's acknowledged sends. */
  private readonly lastOffsets = new Map<number, number>();

  constructor(private readonly validTopic: string) {}

  /** A new batch is being sent: forget the last one's offsets. */
  clear(): void {
    this.lastOffsets.clear();
  }

  /** One acknowledged send: `acked` has the base offset per partition, `topicMessages` how many went there. */
  note(topicMessages: TopicMessages[], acked: RecordMetadata[]): void {
    const counts = new Map<number, number>();
    for (const sent of topicMessages) {
      if (sent.topic !== this.validTopic) continue;
      for (const message of sent.messages) counts.set(message.partition!, (counts.get(message.partition!) ?? 0) + 1);
    }
    for (const ack of acked) {
      if (ack.topicName !== this.validTopic) continue;
      const last = Number(ack.baseOffset) + (counts.get(ack.partition) ?? 1) - 1;
      if (last > (this.lastOffsets.get(ack.partition) ?? -1)) this.lastOffsets.set(ack.partition, last);
    }
  }

  /** The batch was delivered: give each completion the partitions its valid ticks went to, with their last offsets. */
  assign(batch: Batch): void {
    const byCompletion = new Map<Completion, Set<number>>();
    for (const record of batch.records) {
      if (record.topic !== this.validTopic || record.message.partition === undefined) continue;
      let partitions = byCompletion.get(record.origin.completion);
      if (!partitions) byCompletion.set(record.origin.completion, (partitions = new Set()));
      partitions.add(record.message.partition);
    }
    for (const [completion, partitions] of byCompletion) {
      const offsets: number[] = [];
      for (const partition of partitions) {
        const last = this.lastOffsets.get(partition);
        if (last !== undefined) offsets.push(partition, last);
      }
      if (offsets.length) completion.offsets = offsets;
    }
    this.lastOffsets.clear();
  }
}
