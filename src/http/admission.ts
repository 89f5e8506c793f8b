// Admission control: what the HTTP surface takes on at once, across all clients. Each bound is a
// count this process keeps; past it a request is refused at the door with 503 pipeline.busy (none of
// its ticks taken, Retry-After 1) instead of queueing work or memory without end.
//   requests in progress      MAX_INFLIGHT_REQUESTS
//   body bytes held in memory MAX_BODY_BYTES_IN_FLIGHT (JSON/MessagePack bodies are read whole)
//   NDJSON streams            NDJSON_MAX_STREAMS (a stream may stay open as long as it keeps sending,
//                             so streams get a share of their own and cannot take every request slot)
import type { Config } from "../config.ts";
import { errors } from "../errors.ts";

export class Admission {
  requests = 0;
  bodyBytes = 0;
  streams = 0;
  /** Requests refused, by the bound they hit (for /metrics). */
  readonly refused = { requests: 0, body_bytes: 0, ndjson_streams: 0 };

  constructor(private readonly config: Pick<Config, "MAX_INFLIGHT_REQUESTS" | "MAX_BODY_BYTES_IN_FLIGHT" | "NDJSON_MAX_STREAMS">) {}

  enterRequest(): void {
    if (this.requests >= this.config.MAX_INFLIGHT_REQUESTS) {
      this.refused.requests++;
      throw errors.busy(`more than ${this.config.MAX_INFLIGHT_REQUESTS} requests in progress (MAX_INFLIGHT_REQUESTS)`);
    }
    this.requests++;
  }

  leaveRequest(): void {
    this.requests--;
  }

  /** Reserves `n` more bytes of a body being read; the caller gives back all it took when done. */
  takeBody(n: number): void {
    if (this.bodyBytes + n > this.config.MAX_BODY_BYTES_IN_FLIGHT) {
      this.refused.body_bytes++;
      throw errors.busy(`request bodies in memory are over ${this.config.MAX_BODY_BYTES_IN_FLIGHT} bytes (MAX_BODY_BYTES_IN_FLIGHT)`);
    }
    this.bodyBytes += n;
  }

  giveBody(n: number): void {
    this.bodyBytes -= n;
  }

  openStream(): void {
    if (this.streams >= this.config.NDJSON_MAX_STREAMS) {
      this.refused.ndjson_streams++;
      throw errors.busy(`more than ${this.config.NDJSON_MAX_STREAMS} NDJSON streams open (NDJSON_MAX_STREAMS)`);
    }
    this.streams++;
  }

  closeStream(): void {
    this.streams--;
  }
}
