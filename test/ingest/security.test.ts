// Security defaults: API keys on every route but the probes, compared in constant time; keys in
// WebSocket query strings only when allowed; /readyz without internal error text; log lines that a
// field cannot forge.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { loadConfig } from "../../src/config.ts";
import { createAuth } from "../../src/http/auth.ts";
import { logLine } from "../../src/log.ts";
import { tickStream } from "../../bench/lib/tick-gen.ts";
import { startTickgate, type Running } from "../helpers/tickgate.ts";

let keyed: Running;
let open: Running;
beforeAll(async () => {
  [keyed, open] = await Promise.all([
    startTickgate({ WORKERS: "1", API_KEYS: "k-one,k-two" }),
    startTickgate({ WORKERS: "1", API_KEYS: "k-q", API_KEY_IN_QUERY: "true", METRICS_PUBLIC: "true" }),
  ]);
});
afterAll(async () => {
  expect(await Promise.all([keyed.stop(), open.stop()])).toEqual([0, 0]);
});

const gen = tickStream({ seed: 31, symbols: 2 });
const ticks = () => JSON.stringify(gen.batch(2).map((s) => s.tick));

const call = async (base: Running, method: string, path: string, headers: Record<string, string> = {}, body?: string) => {
  const res = await fetch(`${base.url}${path}`, { method, headers: { "content-type": "application/json", ...headers }, body });
  const text = await res.text();
  return { status: res.status, body: text.startsWith("{") ? JSON.parse(text) : text };
};

/** The status line of a WebSocket upgrade, read off a raw socket (a refused upgrade is a plain HTTP answer). */
async function upgradeStatus(base: Running, query = "", headers: Record<string, string> = {}): Promise<number> {
  const { port } = new URL(base.url);
  const sock = connect(Number(port), "127.0.0.1");
  await new Promise<void>((resolve, reject) => (sock.once("connect", () => resolve()), sock.once("error", reject)));
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  sock.write(`GET /v1/stream${query} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`);
  const head = await new Promise<string>((resolve) => {
    let got = "";
    sock.on("data", (d: Buffer) => {
      got += d.toString("latin1");
      if (got.includes("\r\n")) resolve(got);
    });
  });
  sock.destroy();
  return Number(head.split(" ")[1]);
}

describe("API keys", () => {
  test("every route but /healthz and /readyz needs a key", async () => {
    const routes: [string, string, string?][] = [
      ["POST", "/v1/ticks", ticks()], ["GET", "/v1/checks"], ["POST", "/v1/checks/reload"], ["GET", "/v1/stats"],
      ["GET", "/metrics"], ["POST", "/v1/workers/0/restart"], ["POST", "/v1/sink/restart"], ["GET", "/v1/nope"],
    ];
    for (const [method, path, body] of routes) {
      const none = await call(keyed, method, path, {}, body);
      expect([path, none.status, none.body.code]).toEqual([path, 401, "auth.invalid_key"]);
      const wrong = await call(keyed, method, path, { "x-api-key": "k-on" }, body);
      expect([path, wrong.status]).toEqual([path, 401]);
    }
    expect((await call(keyed, "GET", "/healthz")).status).toBe(200);
    expect((await call(keyed, "GET", "/readyz")).status).toBe(200);
  });

  test("either configured key works, as x-api-key or Bearer", async () => {
    expect((await call(keyed, "POST", "/v1/ticks", { "x-api-key": "k-two" }, ticks())).status).toBe(200);
    expect((await call(keyed, "POST", "/v1/ticks", { authorization: "Bearer k-one" }, ticks())).status).toBe(200);
    expect((await call(keyed, "GET", "/v1/stats", { "x-api-key": "k-one" })).status).toBe(200);
    expect((await call(keyed, "GET", "/metrics", { "x-api-key": "k-one" })).status).toBe(200);
    expect((await call(keyed, "GET", "/v1/nope", { "x-api-key": "k-one" })).status).toBe(404);
    expect((await call(keyed, "POST", "/v1/sink/restart", { "x-api-key": "k-one" })).body.code).toBe("route.disabled");
  });

  test("METRICS_PUBLIC=true opens /metrics only", async () => {
    expect((await call(open, "GET", "/metrics")).status).toBe(200);
    expect((await call(open, "GET", "/v1/stats")).status).toBe(401);
  });

  test("WebSocket: the key in a header; ?api_key= only with API_KEY_IN_QUERY=true", async () => {
    expect(await upgradeStatus(keyed)).toBe(401);
    expect(await upgradeStatus(keyed, "?api_key=k-one")).toBe(401);
    expect(await upgradeStatus(keyed, "", { "x-api-key": "k-one" })).toBe(101);
    expect(await upgradeStatus(open, "?api_key=k-q")).toBe(101);
    expect(await upgradeStatus(open, "?api_key=k-x")).toBe(401);
  });

  test("keys are compared by digest, every configured key each time", () => {
    const auth = createAuth(loadConfig({ API_KEYS: "alpha,beta" }));
    const h = (k: string) => new Headers({ "x-api-key": k });
    expect(auth.allows(h("alpha"))).toBe(true);
    expect(auth.allows(h("beta"))).toBe(true);
    expect(auth.allows(h("alph"))).toBe(false);
    expect(auth.allows(h("alphaa"))).toBe(false);
    expect(auth.allows(h(""))).toBe(false);
    expect(auth.allows(new Headers())).toBe(false);
    expect(auth.allows(new Headers({ authorization: "Basic alpha" }))).toBe(false);
    expect(createAuth(loadConfig({})).allows(new Headers())).toBe(true);
  });
});

describe("/readyz", () => {
  test("says which part is down in fixed words, without internal error text", async () => {
    // Redis on a port nothing listens on: the sink cannot write, /readyz must say so and stay terse.
    const broken = await startTickgate({ ROLE: "all", WORKERS: "1", REDIS_URL: "redis://127.0.0.1:1" }, 30_000, "/healthz");
    try {
      let body: any;
      for (let i = 0; i < 50; i++) {
        const res = await fetch(`${broken.url}/readyz`);
        body = await res.json();
        if (res.status === 503 && body.checks.redis) break;
        await Bun.sleep(200);
      }
      expect(body.ready).toBe(false);
      expect(body.checks.redis).toEqual({ ok: false, state: "unreachable" });
      expect(body.checks.kafka).toEqual({ ok: true });
      expect(body.checks.sink.ok).toBe(false);
      const text = JSON.stringify(body);
      for (const leak of ["127.0.0.1", "ECONNREFUSED", "Error", "redis://", "tickgate:tickgate"]) expect(text).not.toContain(leak);
      // The detail is in the log instead, for the operator.
      expect(broken.output()).toContain("readiness: a part is not ready");
    } finally {
      expect(await broken.stop()).toBe(0);
    }
  });
});

describe("log lines", () => {
  test("a field cannot pass for the line's own keys", () => {
    const line = JSON.parse(logLine("info", "tick rejected", { level: "error", msg: "forged", time: "never", note: "a\nb" }));
    expect(line.level).toBe("info");
    expect(line.msg).toBe("tick rejected");
    expect(line.time).not.toBe("never");
    expect(line["field.level"]).toBe("error");
    expect(line["field.msg"]).toBe("forged");
    expect(logLine("info", "x", { note: "a\n{\"level\":\"error\"}" }).includes("\n")).toBe(false);
  });
});
