// The other side of the cross-thread tests: consumes a ring in a real Worker and answers on a
// second ring (worker → main), the way a validator worker sends completions.
//   "verify": check every record against the seeded sequence; after each drained batch write one
//             completion record [firstSeq, count, errors] (Int32 ×3) back.
//   "echo":   copy each record back unchanged (round trips for the wake-up test).
import { Ring } from "../../src/ring/index.ts";
import { SequenceVerifier, type SizeMode } from "./util.ts";

declare const self: Worker;

export interface VerifyJob {
  kind: "verify";
  ring: SharedArrayBuffer;
  ringOffset: number;
  done: SharedArrayBuffer;
  seed: number;
  count: number;
  mode: SizeMode;
}
export interface EchoJob {
  kind: "echo";
  ring: SharedArrayBuffer;
  done: SharedArrayBuffer;
  count: number;
}
export interface JobResult {
  received: number;
  errors: number;
  firstError: string;
  sleeps: number;
}

const COMPLETION_BYTES = 12;

function verify(job: VerifyJob): JobResult {
  const ring = new Ring(job.ring, job.ringOffset);
  const done = new Ring(job.done);
  const doneWords = new Int32Array(done.bytes.buffer, done.bytes.byteOffset, done.capacity >> 2);
  const verifier = new SequenceVerifier(job.seed, ring.maxPayload, job.mode);
  const check = verifier.check.bind(verifier);
  let sleeps = 0;
  // Completions not yet sent because the completion ring was full: one contiguous range.
  let pendingFirst = 0;
  let pendingCount = 0;
  while (verifier.seq < job.count || pendingCount > 0) {
    if (!ring.available()) {
      sleeps++;
      // Short sleeps only while a completion is owed: the main thread frees room without telling us.
      ring.waitForData(pendingCount > 0 ? 1 : 5_000);
    }
    const first = verifier.seq;
    const n = ring.drain(check);
    if (n > 0 && pendingCount === 0) pendingFirst = first;
    pendingCount += n;
    if (pendingCount === 0) continue;
    const at = done.reserve(COMPLETION_BYTES);
    if (at < 0) continue;
    doneWords[at >> 2] = pendingFirst;
    doneWords[(at >> 2) + 1] = pendingCount;
    doneWords[(at >> 2) + 2] = verifier.errors;
    done.commit(COMPLETION_BYTES);
    done.publish();
    pendingCount = 0;
  }
  return { received: verifier.seq, errors: verifier.errors, firstError: verifier.firstError, sleeps };
}

function echo(job: EchoJob): JobResult {
  const ring = new Ring(job.ring);
  const done = new Ring(job.done);
  let received = 0;
  let sleeps = 0;
  while (received < job.count) {
    if (!ring.waitForData(30_000)) continue;
    sleeps++;
    // Copy the record straight from this ring into the reply ring.
    received += ring.drain((bytes, offset, length) => done.write(bytes, offset, offset + length), 1);
    done.publish();
  }
  return { received, errors: 0, firstError: "", sleeps };
}

self.onmessage = (event: MessageEvent<VerifyJob | EchoJob>) => {
  const job = event.data;
  self.postMessage(job.kind === "verify" ? verify(job) : echo(job));
};
