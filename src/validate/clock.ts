// The receive time `bun run validate` judges each tick at. The server stamps a request when it
// arrives and its ts checks (ts.future, ts.too_old) and rate.burst's refill compare with that stamp;
// offline there is no arrival, so the clock is a choice:
//   wall   now, read as each tick is judged: the verdict the server would give the file today
//   tick   the tick's own ts: as if each tick had arrived when it happened (old backfills)
//   fixed  one instant for every tick (epoch ms/µs/ns or ISO-8601): reproducible runs
import { tsFromNumber, tsFromString } from "../checks/timestamps.ts";
import { nowUs } from "../receive-time.ts";

export type ClockMode = "wall" | "tick" | "fixed";

export interface Clock {
  readonly mode: ClockMode;
  /** The fixed instant in µs (mode "fixed" only). */
  readonly fixedUs?: number;
  /** Receive time in µs for `tick` (the value the checks will read). */
  at(tick: unknown): number;
}

/** A clock from `--clock`'s value; null when the value is none of the three forms. */
export function parseClock(spec: string): Clock | null {
  if (spec === "wall") return { mode: "wall", at: nowUs };
  if (spec === "tick") return tickClock();
  const us = tsFromString(spec);
  if (us !== us) return null;
  return { mode: "fixed", fixedUs: us, at: () => us };
}

/**
 * The tick's ts read as the checks read it (ms/µs/ns by magnitude, digit strings, ISO-8601). A tick
 * without a readable ts is rejected ts.invalid whatever the clock; it is judged at the last clock
 * value, so rate.burst's bucket never sees time jump.
 */
function tickClock(): Clock {
  let last = nowUs();
  return {
    mode: "tick",
    at(tick) {
      const ts = typeof tick === "object" && tick !== null ? tsOf((tick as { ts?: unknown }).ts) : NaN;
      if (ts === ts) last = ts;
      return last;
    },
  };
}

function tsOf(v: unknown): number {
  try {
    return typeof v === "number" ? tsFromNumber(v) : typeof v === "string" ? tsFromString(v) : NaN;
  } catch {
    return NaN;
  }
}
