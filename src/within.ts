/** The rejection of within() when the time ran out first (other rejections are `p`'s own). */
export class TimedOut extends Error {
  readonly name = "TimedOut";
}

/** `p`, or a TimedOut rejection naming `what` once `ms` pass first. The timer is cleared either way. */
export function within<T>(ms: number, p: Promise<T>, what = "the call"): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new TimedOut(`${what}: no answer within ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
