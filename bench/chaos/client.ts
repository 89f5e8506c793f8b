// The steady load of a phase: a few HTTP connections, each behaving like a careful real client.
// A batch is retried — the same body, so the same ticks — until it is answered 200: after a 503
// (honouring Retry-After, capped), a connection error or a timeout. Only a 4xx ends a batch without
// a 200 (a well-formed batch should never get one). The shared schedule of bench/load/rate.ts paces
// the connections; one that is stuck retrying leaves its slots to the others, and the capped debt
// means an outage's missed slots are not replayed as a burst.
import { constant, Schedule } from "../load/rate.ts";
import type { Attempt, PhaseLedger } from "./ledger.ts";
import type { ChaosTicks } from "./ticks.ts";

export interface LoadOptions {
  url: string;
  sources: ChaosTicks[];
  /** ticks of the one-off large batches a fault sends to have work in flight when it strikes (its own symbols) */
  burstSource: ChaosTicks;
  rate: number;
  batch: number;
  retryCapMs: number;
  requestTimeoutMs: number;
}

export interface RunningLoad {
  /** Sends one batch of `count` ticks now, beside the steady load, retried like any other; resolves once it is sent. */
  burst(count: number): Promise<void>;
  /** Stops taking new slots, waits (up to `boundMs`) for every batch in progress to get its 200, then abandons the rest. */
  stop(boundMs: number): Promise<{ abandonedTicks: number }>;
}

const RUN_FOREVER_S = 24 * 3600;

export function startLoad(o: LoadOptions, ledger: PhaseLedger): RunningLoad {
  const start = performance.now() + 5;
  const schedule = new Schedule(constant(o.rate), o.batch, start, RUN_FOREVER_S);
  let stopping = false;
  const abandon = new AbortController();
  ledger.loadStartedAt = start;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (abandon.signal.aborted) return resolve();
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        abandon.signal.removeEventListener("abort", done);
        resolve();
      }
      abandon.signal.addEventListener("abort", done);
    });

  async function sendUntilOk(src: ChaosTicks, count: number, onSent?: () => void): Promise<boolean> {
    const b = src.batch(count);
    ledger.offeredTicks += count;
    ledger.requests++;
    const before: Attempt[] = [];
    let backoff = 100;
    for (;;) {
      if (abandon.signal.aborted) {
        ledger.gaveUp(b.ids, before);
        return false;
      }
      const sentAt = performance.now();
      let kind: Attempt;
      let waitMs: number;
      try {
        const answer = fetch(`${o.url}/v1/ticks`, {
          method: "POST",
          body: b.body,
          headers: { "content-type": "application/json" },
          signal: AbortSignal.any([AbortSignal.timeout(o.requestTimeoutMs), abandon.signal]),
        });
        onSent?.();
        onSent = undefined;
        const res = await answer;
        const text = await res.text();
        if (res.status === 200) {
          let result: Parameters<PhaseLedger["answered"]>[2] | null = null;
          try {
            result = JSON.parse(text);
          } catch {}
          if (result) {
            ledger.answered(b.ids, before, result, sentAt, performance.now());
            return true;
          }
        }
        let code = "";
        try {
          code = String(JSON.parse(text).code ?? "");
        } catch {
          code = "unreadable";
        }
        kind = res.status === 200 ? "200 unreadable" : `${res.status} ${code}`.trim();
        if (res.status >= 400 && res.status < 500) {
          ledger.attempt(kind);
          ledger.refusedForGood(b.ids, `${kind}: ${text.slice(0, 300)}`);
          return false;
        }
        const retryAfter = Number(res.headers.get("retry-after"));
        waitMs = res.status === 503 && Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, o.retryCapMs) : Math.min(backoff, o.retryCapMs);
      } catch (err) {
        const name = (err as Error)?.name;
        if (abandon.signal.aborted) continue;
        kind = name === "TimeoutError" ? "timeout" : "connection error";
        waitMs = Math.min(backoff, o.retryCapMs);
      }
      ledger.attempt(kind);
      before.push(kind);
      backoff = Math.min(backoff * 2, 1000);
      await pause(waitMs);
    }
  }

  async function connection(src: ChaosTicks) {
    while (!stopping) {
      const slot = schedule.claim();
      if (!slot) return;
      const d = slot.at - performance.now();
      if (d > 0.5) await Bun.sleep(d);
      if (stopping) return;
      await sendUntilOk(src, slot.count);
    }
  }

  const bursts: Promise<unknown>[] = [];
  const running = Promise.all(o.sources.map((s) => connection(s)));

  return {
    burst(count: number) {
      return new Promise<void>((sent) => {
        bursts.push(sendUntilOk(o.burstSource, count, sent).finally(sent));
      });
    },
    async stop(boundMs: number) {
      stopping = true;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const bounded = new Promise<void>((resolve) => (timer = setTimeout(resolve, boundMs)));
      await Promise.race([Promise.all([running, ...bursts]), bounded]);
      clearTimeout(timer);
      abandon.abort();
      await Promise.all([running, ...bursts]);
      ledger.loadStoppedAt = performance.now();
      return { abandonedTicks: ledger.unanswered.size };
    },
  };
}
