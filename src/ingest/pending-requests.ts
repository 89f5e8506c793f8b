// The requests the pool has taken ticks for and not answered yet, and the counting that turns the
// workers' completions into one answer per request: accepted/rejected/flagged totals, the listed
// rejects and flagged ticks, and (with ?ack=stored) the wait for the sink.
import type { Config } from "../config.ts";
import { errors, type IngestError } from "../errors.ts";
import type { Completion } from "./ring-records.ts";
import type { SinkProgress } from "./sink-progress.ts";

/** A tick of the request by its position, with the codes that fired on it. */
export interface Listed {
  index: number;
  codes: string[];
}

export interface TickResult {
  accepted: number;
  rejected: number;
  flagged: number;
  /** The rejected ticks by position, the first MAX_REJECTS_LISTED of them. */
  rejects: Listed[];
  /** The accepted ticks with flags by position, the first MAX_FLAGS_LISTED of them (a rejected tick is in `rejects` only). */
  flags: Listed[];
  /** Present when `rejects` was cut at MAX_REJECTS_LISTED: then, per code, how many rejected ticks have it. */
  rejectsTruncated?: true;
  rejectsByCode?: Record<string, number>;
  /** Present when `flags` was cut at MAX_FLAGS_LISTED: then, per code, how many flagged ticks have it. */
  flagsTruncated?: true;
  flagsByCode?: Record<string, number>;
}

/**
 * Ticks of one outcome (rejected, or accepted with flags) as they come in: all of them counted, by
 * code too, and the lowest indices kept, cut back to the listing bound whenever it doubles.
 */
export interface Listing {
  count: number;
  entries: [number, string[]][];
  truncated: boolean;
  /** code → how many of the ticks have it (a tick with two codes counts under both). */
  byCode: Record<string, number>;
}

/** When a request is answered: once Kafka holds its ticks (the default), or once the sink stored them too. */
export type Ack = "kafka" | "stored";

export interface Pending {
  id: number;
  ack: Ack;
  /** partition → the last offset in `<prefix>.valid` its accepted ticks were written at or before. */
  offsets: Map<number, number>;
  added: number;
  completed: number;
  rejects: Listing;
  flags: Listing;
  sealed: boolean;
  settled: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  resolve: (r: TickResult) => void;
  reject: (e: Error) => void;
  promise: Promise<TickResult>;
}

type RequestsConfig = Pick<Config, "MAX_REJECTS_LISTED" | "MAX_FLAGS_LISTED" | "KAFKA_ACK_TIMEOUT_MS" | "STORED_ACK_TIMEOUT_MS">;

const newListing = (): Listing => ({ count: 0, entries: [], truncated: false, byCode: {} });

export class PendingRequests {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Requests Kafka acknowledged that wait for the sink (?ack=stored). */
  private storing = 0;
  private readonly maxRejects: number;
  private readonly maxFlags: number;

  constructor(
    private readonly config: RequestsConfig,
    private readonly progress: SinkProgress | null | undefined,
  ) {
    this.maxRejects = config.MAX_REJECTS_LISTED;
    this.maxFlags = config.MAX_FLAGS_LISTED;
  }

  /** Requests not answered yet, those waiting for the sink included. */
  get size(): number {
    return this.pending.size + this.storing;
  }

  /** Starts tracking a request under the next id. */
  begin(ack: Ack): Pending {
    let resolve!: (r: TickResult) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<TickResult>((res, rej) => ((resolve = res), (reject = rej)));
    // A streamed request can fail (worker death, Kafka error) before anyone awaits it: seal()
    // hands the same promise to the caller, so the failure is still seen; it must not be unhandled.
    promise.catch(() => {});
    const p: Pending = {
      id: this.nextId, ack, offsets: new Map(), added: 0, completed: 0, rejects: newListing(), flags: newListing(),
      sealed: false, settled: false, timer: undefined, resolve, reject, promise,
    };
    this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1;
    this.pending.set(p.id, p);
    return p;
  }

  /** No more ticks for this request: it settles once every added tick is acknowledged. */
  seal(p: Pending): Promise<TickResult> {
    p.sealed = true;
    // The ack bound runs from the moment the request is complete: a slow upload is not a slow Kafka.
    if (!p.settled) this.armTimer(p);
    this.maybeFinish(p);
    return p.promise;
  }

  /** Stops tracking a request that is being answered with an error; late completions are ignored. */
  forget(p: Pending): void {
    this.close(p);
  }

  /** Counts one worker's completion into its request (ignored when the request was answered already). */
  complete(completion: Completion): void {
    const p = this.pending.get(completion.request);
    if (!p) return; // already answered (timed out or failed)
    if (completion.error) return this.fail(p.id, errors.unavailable(completion.error));
    const offsets = completion.offsets;
    if (offsets) {
      for (let i = 0; i < offsets.length; i += 2) p.offsets.set(offsets[i]!, Math.max(offsets[i + 1]!, p.offsets.get(offsets[i]!) ?? -1));
    }
    p.completed += completion.ticks;
    for (const reject of completion.rejects) note(p.rejects, reject, this.maxRejects);
    for (const flag of completion.flags) note(p.flags, flag, this.maxFlags);
    this.maybeFinish(p);
  }

  /** Answers request `id` with `err` unless it is answered already. */
  fail(id: number, err: IngestError): void {
    const p = this.pending.get(id);
    if (!p || p.settled) return;
    this.close(p);
    p.reject(err);
  }

  /** Answers every request still waiting for Kafka with `err`. */
  failAll(err: IngestError): void {
    for (const id of [...this.pending.keys()]) this.fail(id, err);
  }

  private maybeFinish(p: Pending) {
    if (p.settled || !p.sealed || p.completed < p.added) return;
    this.close(p);
    cut(p.rejects, this.maxRejects);
    cut(p.flags, this.maxFlags);
    const result: TickResult = {
      accepted: p.added - p.rejects.count,
      rejected: p.rejects.count,
      flagged: p.flags.count,
      rejects: listed(p.rejects),
      flags: listed(p.flags),
    };
    if (p.rejects.truncated) {
      result.rejectsTruncated = true;
      result.rejectsByCode = p.rejects.byCode;
    }
    if (p.flags.truncated) {
      result.flagsTruncated = true;
      result.flagsByCode = p.flags.byCode;
    }
    if (p.ack === "stored" && p.offsets.size > 0) {
      // Kafka holds them; the answer waits until the sink group committed past them (Redis and PostgreSQL hold them).
      const progress = this.progress;
      if (!progress) return p.reject(errors.notStored("this process does not follow a sink"));
      this.storing++;
      progress.stored(p.offsets, this.config.STORED_ACK_TIMEOUT_MS).then(
        () => p.resolve(result),
        (err) => p.reject(errors.notStored((err as Error).message)),
      ).finally(() => this.storing--);
      return;
    }
    p.resolve(result);
  }

  /** The request is answered (or about to be): no more completions count, its ack timer stops. */
  private close(p: Pending) {
    p.settled = true;
    clearTimeout(p.timer);
    this.pending.delete(p.id);
  }

  private armTimer(p: Pending) {
    clearTimeout(p.timer);
    const ms = this.config.KAFKA_ACK_TIMEOUT_MS;
    p.timer = setTimeout(() => this.fail(p.id, errors.unavailable(`Kafka did not acknowledge the ticks within ${ms} ms`)), ms);
  }
}

/** Counts a tick by code and lists it while the listing is within its bound (lowest indices win). */
function note(listing: Listing, entry: [number, string[]], max: number): void {
  listing.count++;
  const byCode = listing.byCode;
  for (const code of entry[1]) byCode[code] = (byCode[code] ?? 0) + 1;
  listing.entries.push(entry);
  if (listing.entries.length >= 2 * max) cut(listing, max);
}

/** Sorts the listing by index and keeps the lowest `max` (completions of several workers interleave). */
function cut(listing: Listing, max: number): void {
  listing.entries.sort((a, b) => a[0] - b[0]);
  if (listing.entries.length <= max) return;
  listing.entries.length = max;
  listing.truncated = true;
}

const listed = (listing: Listing): Listed[] => listing.entries.map(([index, codes]) => ({ index, codes }));
