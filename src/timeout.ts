// The one bound on a call that may never answer (a worker thread, Kafka's admin client, a store's
// round trip, a body read). The caller maps TimedOut to its own error where it has one (the sink's
// writers turn it into "redis/pg unavailable", so the batch is retried like any outage).

/** The rejection of withTimeout() when the time ran out first (other rejections are `p`'s own). */
export class TimedOut extends Error {
  readonly name = "TimedOut";
}

/** `p`, or a TimedOut rejection naming `what` once `ms` pass first. The timer is cleared either way. */
export function withTimeout<T>(ms: number, p: Promise<T>, what = "the call"): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new TimedOut(`${what}: no answer within ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
