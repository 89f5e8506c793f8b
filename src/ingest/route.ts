// Which validator worker owns a symbol: a stable hash of the normalised `exchange:symbol`, so every
// tick of one symbol goes to the one worker that holds that symbol's state (and keeps its order).

/** FNV-1a, 32 bit, over UTF-16 code units. Allocates nothing. */
export function fnv1a(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function workerFor(key: string, workers: number): number {
  return workers === 1 ? 0 : fnv1a(key) % workers;
}
