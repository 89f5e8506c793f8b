// A validator worker's answers: the batch's completions, written to the worker → main ring.
import type { Packr } from "msgpackr";
import type { Ring } from "../../ring/index.ts";
import type { Completion } from "../ring-records.ts";

export class CompletionWriter {
  /** Something to Atomics.wait on for a 1 ms pause: nobody notifies it. */
  private readonly pause = new Int32Array(new SharedArrayBuffer(4));

  constructor(
    private readonly output: Ring,
    private readonly packr: Packr,
  ) {}

  /** Writes one record per completion (each marked failed with `error` when given) and publishes them. */
  write(completions: Iterable<Completion>, error?: string): void {
    for (const completion of completions) {
      if (error) completion.error = error;
      const bytes = this.packr.pack(completion);
      // The completion ring is sized far above what one batch writes and the main thread drains it
      // continuously; wait (briefly, off the main thread) if it is ever full rather than lose an answer.
      while (!this.output.write(bytes)) {
        this.output.publish();
        Atomics.wait(this.pause, 0, 0, 1);
      }
    }
    this.output.publish();
  }
}
