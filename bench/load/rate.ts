// Rate control shared by all connections: each connection claims the next send slot (when and how
// many ticks); a connection that is behind sends at once. Rate 0 = closed loop (as fast as the server
// answers). The debt a slow server builds is capped, so a burst's backlog does not leak into the
// next low phase: what was not sent in time is simply not offered.
export interface Profile {
  /** ticks/s at `t` seconds into the run; 0 = as fast as possible */
  rate(t: number): number;
  describe: string;
}

export const constant = (rate: number): Profile => ({ rate: () => rate, describe: rate > 0 ? `${rate} ticks/s` : "as fast as possible" });

/** Alternates `high` for `phase` s and `low` for `phase` s, starting high. */
export const burst = (high: number, low: number, phase: number): Profile => ({
  rate: (t) => (Math.floor(t / phase) % 2 === 0 ? high : low),
  describe: `${high} ticks/s ↔ ${low} ticks/s every ${phase} s`,
});

const MAX_DEBT_MS = 250;
/** Send at least this often, so a low rate makes smaller batches rather than long gaps. */
const MAX_GAP_MS = 100;

export class Schedule {
  private next: number;
  readonly end: number;

  constructor(private readonly profile: Profile, private readonly batch: number, readonly start: number, durationS: number) {
    this.next = start;
    this.end = start + durationS * 1000;
  }

  /** The next slot, or null when the run is over. */
  claim(): { at: number; count: number } | null {
    const now = performance.now();
    if (now >= this.end) return null;
    if (this.next < now - MAX_DEBT_MS) this.next = now - MAX_DEBT_MS;
    const at = this.next;
    if (at >= this.end) return null;
    const rate = this.profile.rate((at - this.start) / 1000);
    if (rate <= 0) return { at: now, count: this.batch };
    const count = Math.max(1, Math.min(this.batch, Math.round((rate * MAX_GAP_MS) / 1000)));
    this.next = at + (count / rate) * 1000;
    return { at, count };
  }
}
