// The closing check of a run: after everything the fuzzer threw at it, the server must still take a
// batch of good ticks whole (200, all accepted) and say it is ready.
import { goodTicks } from "./ticks.ts";
import { Rand } from "./rand.ts";

export interface FinalCheck {
  ok: boolean;
  batch: { ticks: number; status: number | null; accepted: number | null; rejected: number | null; error?: string };
  readyz: { status: number | null; body: string };
}

export async function finalCheck(url: string, seed: number, ticks = 200, timeoutMs = 15_000): Promise<FinalCheck> {
  // An exchange no earlier run used, so no stateful check (duplicates, sequence) can see these ticks twice.
  const exchange = `fzfinal-${Date.now().toString(36)}`;
  const batch = goodTicks(new Rand(seed ^ 0x5eed), exchange, ticks).ticks;
  const out: FinalCheck = { ok: false, batch: { ticks, status: null, accepted: null, rejected: null }, readyz: { status: null, body: "" } };
  try {
    const res = await fetch(`${url}/v1/ticks`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(batch), signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    out.batch.status = res.status;
    const body = JSON.parse(text) as { accepted?: number; rejected?: number };
    out.batch.accepted = body.accepted ?? null;
    out.batch.rejected = body.rejected ?? null;
    if (res.status !== 200) out.batch.error = text.slice(0, 500);
  } catch (err) {
    out.batch.error = String((err as Error)?.message ?? err);
  }
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(timeoutMs) });
    out.readyz = { status: res.status, body: (await res.text()).slice(0, 500) };
  } catch (err) {
    out.readyz.body = String((err as Error)?.message ?? err);
  }
  out.ok = out.batch.status === 200 && out.batch.accepted === ticks && out.readyz.status === 200;
  return out;
}
