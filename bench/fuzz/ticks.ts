// Good ticks for the fuzz cases, from the project's tick generator (bench/lib/tick-gen.ts): live
// timestamps (the checks refuse ticks over an hour old), and an exchange of the case's own, so the
// per-symbol checks (duplicates, sequence gaps) never see two cases' ticks as one feed.
import { tickStream } from "../lib/tick-gen.ts";
import { caseSeed, type Rand } from "./rand.ts";

export type Tick = Record<string, unknown>;

/**
 * An exchange name unique to (seed, index): 1-32 chars of [a-z0-9.-], as the checks want. The check
 * suffix keeps mutated bodies off other cases' feeds: a bit flip turning "fz1-3jp" into "fz1-3jq"
 * would otherwise put case 4597's mutant on case 4598's feed (and its good ticks would meet
 * seq.duplicate and price.spike, rightly).
 */
export const caseExchange = (seed: number, index: number) =>
  `fz${(seed >>> 0).toString(36)}-${index.toString(36)}-${(caseSeed(seed, index) % 36 ** 4).toString(36).padStart(4, "0")}`;

export interface GoodTicks {
  ticks: Tick[];
  /** position → the code a deliberately bad tick must be rejected with */
  bad: Record<number, string>;
}

export function goodTicks(r: Rand, exchange: string, count: number, badShare = 0): GoodTicks {
  const stream = tickStream({ seed: r.seed(), symbols: r.range(1, 4), exchanges: [exchange], badShare });
  const ticks: Tick[] = [];
  const bad: Record<number, string> = {};
  for (let i = 0; i < count; i++) {
    const t = stream.next();
    ticks.push(t.tick);
    if (t.bad) bad[i] = t.bad;
  }
  return { ticks, bad };
}
