// The wake protocol between one producer and one consumer sleeping on an empty ring.
//
// The consumer raises SLEEPING, then waits on the WRITE slot *with the value it last saw*
// (its own read offset, since it only sleeps when the ring is empty). The producer stores
// WRITE first and only then loads SLEEPING. Atomics are sequentially consistent, so one of two
// things holds: the producer sees SLEEPING = 1 and notifies, or the producer's WRITE store came
// first and the consumer's wait finds WRITE != expected and returns "not-equal" at once.
// Either way no publish is slept through, and a producer whose consumer is awake pays one
// Atomics.load per publish instead of a futex call.
import { SLEEPING, WRITE } from "./layout.ts";

/** Atomics.waitAsync exists on Bun 1.4.4 (checked); other runtimes may lack it. */
const HAS_WAIT_ASYNC = typeof Atomics.waitAsync === "function";
/** Without waitAsync the async wait degrades to a timer of at most this many ms (a coarse poll). */
const FALLBACK_POLL_MS = 1;

/** Producer side, right after Atomics.store(WRITE): wake the consumer only if it said it sleeps. */
export function wakeConsumer(header: Int32Array): void {
  if (Atomics.load(header, SLEEPING) !== 0) Atomics.notify(header, WRITE);
}

/** Consumer side: block this thread until WRITE moves off `seen` or the timeout passes. */
export function sleepWhile(header: Int32Array, seen: number, timeoutMs: number): void {
  Atomics.store(header, SLEEPING, 1);
  Atomics.wait(header, WRITE, seen, timeoutMs);
  Atomics.store(header, SLEEPING, 0);
}

/**
 * Consumer side without blocking (the main thread): resolves when WRITE moves off `seen` or the
 * timeout passes. Allocates a promise per call.
 * Note: on Bun a pending waitAsync does not keep the event loop alive by itself.
 */
export function sleepWhileAsync(header: Int32Array, seen: number, timeoutMs: number): Promise<void> {
  if (!HAS_WAIT_ASYNC) {
    return new Promise((resolve) => setTimeout(resolve, Math.min(timeoutMs, FALLBACK_POLL_MS)));
  }
  Atomics.store(header, SLEEPING, 1);
  const wait = Atomics.waitAsync(header, WRITE, seen, timeoutMs);
  if (!wait.async) {
    Atomics.store(header, SLEEPING, 0);
    return Promise.resolve();
  }
  return wait.value.then(() => {
    Atomics.store(header, SLEEPING, 0);
  });
}
