// withTimeout (src/timeout.ts), the one bound on a call that may never answer.
import { describe, expect, test } from "bun:test";
import { TimedOut, withTimeout } from "../../src/timeout.ts";

describe("withTimeout", () => {
  test("the value, or TimedOut naming the call; the timer is cleared", async () => {
    expect(await withTimeout(1000, Promise.resolve(7), "x")).toBe(7);
    const late = withTimeout(10, Bun.sleep(200), "the slow call");
    await expect(late).rejects.toBeInstanceOf(TimedOut);
    await expect(late).rejects.toThrow("the slow call: no answer within 10 ms");
    await expect(withTimeout(1000, Promise.reject(new Error("own")), "x")).rejects.toThrow("own");
  });
});
