// What `bun run validate` counts while the ticks go by: outcomes, ticks per code, and the first
// rejected and flagged ticks with where they are in the file. Bounded: past `show` entries a list
// stops growing, the counts go on.
import type { ValidationResult } from "../checks/index.ts";

/** A listed tick: its index among the file's ticks, where it starts (line, or byte offset for MessagePack), its codes. */
export interface Listed {
  index: number;
  at: number;
  codes: string[];
}

export class Tally {
  ticks = 0;
  accepted = 0;
  /** Accepted ticks on which at least one flag check fired (as the server's `flagged`). */
  flagged = 0;
  rejected = 0;
  /** Per reject code, the rejected ticks with it; per flag code, the accepted ticks with it (a tick counts under each of its codes). */
  readonly rejectsByCode = new Map<string, number>();
  readonly flagsByCode = new Map<string, number>();
  readonly rejects: Listed[] = [];
  readonly flags: Listed[] = [];

  constructor(readonly show: number) {}

  /** Counts the next tick's verdict; `at` is where it starts. Copies the codes it keeps (the result is reused). */
  add(at: number, r: ValidationResult): void {
    const index = this.ticks++;
    if (!r.ok) {
      this.rejected++;
      count(this.rejectsByCode, r.rejects);
      if (this.rejects.length < this.show) this.rejects.push({ index, at, codes: r.rejects.slice() });
      return;
    }
    this.accepted++;
    if (r.flags.length === 0) return;
    this.flagged++;
    count(this.flagsByCode, r.flags);
    if (this.flags.length < this.show) this.flags.push({ index, at, codes: r.flags.slice() });
  }
}

function count(by: Map<string, number>, codes: readonly string[]): void {
  for (const code of codes) by.set(code, (by.get(code) ?? 0) + 1);
}
