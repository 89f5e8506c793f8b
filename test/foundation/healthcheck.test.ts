// src/healthcheck.ts, the containers' healthcheck: run as the image runs it, against a server that
// answers 200, one that answers 503, and a port nobody listens on.
import { afterAll, describe, expect, test } from "bun:test";
import { healthUrl } from "../../src/healthcheck.ts";

const file = new URL("../../src/healthcheck.ts", import.meta.url).pathname;
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch: (req) => (new URL(req.url).pathname === "/readyz" ? new Response("not ready", { status: 503 }) : new Response("ok")),
});
afterAll(() => server.stop(true));

/** Runs the healthcheck in its own process (async: the server above answers from this one). */
async function run(args: string[], env: Record<string, string>) {
  const p = Bun.spawn([process.execPath, file, ...args], { env: { PATH: process.env.PATH ?? "", ...env }, stderr: "pipe" });
  const [code, stderr] = await Promise.all([p.exited, new Response(p.stderr).text()]);
  return { code, stderr };
}
const at = { PORT: String(server.port), HOST: "127.0.0.1" };

describe("healthcheck", () => {
  test("exits 0 on a 2xx answer, /healthz by default", async () => {
    expect(await run([], at)).toEqual({ code: 0, stderr: "" });
    expect((await run(["/healthz"], at)).code).toBe(0);
  });

  test("exits 1 on a non-2xx answer, saying what it got", async () => {
    const r = await run(["/readyz"], at);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("answered 503: not ready");
  });

  test("exits 1 when nothing listens", async () => {
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
    const port = String(closed.port);
    closed.stop(true);
    const r = await run([], { PORT: port, HOST: "127.0.0.1" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`127.0.0.1:${port}/healthz`);
  });

  test("exits 1 on a bad path or configuration, saying why", async () => {
    expect(await run(["readyz"], at)).toMatchObject({ code: 1, stderr: expect.stringContaining('must start with "/"') });
    expect(await run([], { PORT: "eighty" })).toMatchObject({ code: 1, stderr: expect.stringContaining("invalid configuration") });
  });

  test("reaches a server bound to every address on loopback, and a named one by its name", () => {
    expect(healthUrl("0.0.0.0", 8080, "/readyz")).toBe("http://127.0.0.1:8080/readyz");
    expect(healthUrl("::", 8080, "/healthz")).toBe("http://127.0.0.1:8080/healthz");
    expect(healthUrl("::1", 8080, "/healthz")).toBe("http://[::1]:8080/healthz");
    expect(healthUrl("10.0.0.5", 9000, "/healthz")).toBe("http://10.0.0.5:9000/healthz");
  });
});
