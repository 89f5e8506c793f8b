// Headless Chromium driven over the DevTools protocol with Bun's own WebSocket (no npm package):
// test/http/status.test.ts reads GET /status with it, scripts/status-screenshot.ts photographs it.
// Chromium runs in a process group of its own with a temporary profile; close() ends that group
// (only it) and removes the profile, whatever state the browser is in.
import type { Subprocess } from "bun";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

export interface Viewport {
  width: number;
  height: number;
}

/** What a page did that a test looks at: uncaught exceptions, console errors, every request's URL. */
export interface PageLog {
  exceptions: string[];
  errors: { source: string; text: string; url?: string }[];
  requests: string[];
}

export class Page {
  readonly log: PageLog = { exceptions: [], errors: [], requests: [] };
  private nextId = 1;
  private readonly calls = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private readonly waiters = new Map<string, ((params: any) => void)[]>();

  private constructor(private readonly ws: WebSocket, readonly targetId: string) {
    ws.onmessage = (e) => this.onMessage(JSON.parse(String(e.data)));
    ws.onclose = () => {
      for (const c of this.calls.values()) c.reject(new Error("DevTools connection closed"));
      this.calls.clear();
    };
  }

  static async open(wsUrl: string, targetId: string, viewport: Viewport): Promise<Page> {
    const ws = new WebSocket(wsUrl);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`cannot connect to ${wsUrl}`));
    });
    const page = new Page(ws, targetId);
    await Promise.all(["Page.enable", "Runtime.enable", "Log.enable", "Network.enable"].map((m) => page.send(m)));
    await page.send("Emulation.setDeviceMetricsOverride", { ...viewport, deviceScaleFactor: 1, mobile: false });
    return page;
  }

  private onMessage(msg: any) {
    if (msg.id !== undefined) {
      const call = this.calls.get(msg.id);
      this.calls.delete(msg.id);
      if (msg.error) call?.reject(new Error(`${msg.error.message} (${msg.error.code})`));
      else call?.resolve(msg.result);
      return;
    }
    const p = msg.params;
    if (msg.method === "Runtime.exceptionThrown") {
      const d = p.exceptionDetails;
      this.log.exceptions.push(d.exception?.description ?? d.text);
    } else if (msg.method === "Runtime.consoleAPICalled" && (p.type === "error" || p.type === "assert")) {
      this.log.errors.push({ source: "console", text: p.args.map((a: any) => a.value ?? a.description).join(" ") });
    } else if (msg.method === "Log.entryAdded" && p.entry.level === "error") {
      this.log.errors.push({ source: p.entry.source, text: p.entry.text, url: p.entry.url });
    } else if (msg.method === "Network.requestWillBeSent") {
      this.log.requests.push(p.request.url);
    }
    const waiting = this.waiters.get(msg.method);
    if (waiting) {
      this.waiters.delete(msg.method);
      for (const w of waiting) w(p);
    }
  }

  send<T = any>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  private event(method: string, timeoutMs: number): Promise<any> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${method} within ${timeoutMs} ms`)), timeoutMs);
      const list = this.waiters.get(method) ?? [];
      list.push((p) => (clearTimeout(timer), resolve(p)));
      this.waiters.set(method, list);
    });
  }

  /** Loads `url` and waits for its load event. */
  async navigate(url: string, timeoutMs = 15_000): Promise<void> {
    const loaded = this.event("Page.loadEventFired", timeoutMs);
    const r = await this.send("Page.navigate", { url });
    if (r.errorText) throw new Error(`navigating to ${url}: ${r.errorText}`);
    await loaded;
  }

  /** The value of a JavaScript expression in the page (awaited when it is a promise); throws what it threw. */
  async evaluate<T = any>(expression: string): Promise<T> {
    const r = await this.send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  /** Evaluates `expression` until it is truthy and returns that value; after timeoutMs throws with `what`. */
  async waitFor<T = any>(what: string, expression: string, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      last = await this.evaluate(expression);
      if (last) return last as T;
      if (Date.now() > deadline) throw new Error(`the page never showed ${what} within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
      await Bun.sleep(100);
    }
  }

  /** A PNG of the viewport. */
  async screenshot(): Promise<Uint8Array> {
    const r = await this.send<{ data: string }>("Page.captureScreenshot", { format: "png" });
    return Buffer.from(r.data, "base64");
  }

  close() {
    this.ws.close();
  }
}

export interface Browser {
  /** A fresh tab, already listening for exceptions, console errors and requests. */
  newPage(viewport?: Viewport): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Starts headless Chromium; fails (never skips) when it is not installed. The first start on a
 * machine can take 15 s or more (measured: 14 s, then 0.2 s), hence the long bound;
 * scripts/test-tools.sh starts it once after installing it for the same reason.
 */
export async function launchChromium(timeoutMs = 90_000): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: run bash scripts/test-tools.sh (scripts/test.sh does) or set CHROMIUM`);
  const profile = mkdtempSync(join(tmpdir(), "tickgate-chromium-"));
  let out = "";
  const proc: Subprocess = Bun.spawn([
    CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0", `--user-data-dir=${profile}`,
    // Nothing but the page itself talks to the network, so the page's requests are all there is.
    "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--metrics-recording-only", "--mute-audio", "about:blank",
  ], { stdout: "ignore", stderr: "pipe", detached: true });
  void (async () => {
    for await (const chunk of proc.stderr as ReadableStream<Uint8Array>) out = (out + new TextDecoder().decode(chunk)).slice(-8000);
  })();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    // The whole group: the browser's renderer and utility processes go with it.
    const signal = (s: NodeJS.Signals) => {
      try {
        process.kill(-proc.pid, s);
      } catch {}
    };
    if (proc.exitCode === null) {
      signal("SIGTERM");
      const killed = setTimeout(() => signal("SIGKILL"), 5000);
      await proc.exited;
      clearTimeout(killed);
    }
    signal("SIGKILL"); // children that outlived the browser process
    for (let i = 0; i < 20; i++) {
      try {
        rmSync(profile, { recursive: true, force: true });
        break;
      } catch {
        await Bun.sleep(100); // a child still writing its profile files
      }
    }
  };
  // A run that ends without close() (a failed assertion, Ctrl-C) still ends the browser; never after
  // close(), when the group id could belong to someone else by then.
  process.once("exit", () => {
    if (closed) return;
    try {
      process.kill(-proc.pid, "SIGKILL");
    } catch {}
    rmSync(profile, { recursive: true, force: true });
  });

  // Chromium writes its port (and the browser target's path) here once it listens.
  const portFile = join(profile, "DevToolsActivePort");
  const deadline = Date.now() + timeoutMs;
  let port = 0;
  while (!port) {
    if (proc.exitCode !== null) {
      await close();
      throw new Error(`chromium exited with ${proc.exitCode} before it listened:\n${out}`);
    }
    if (existsSync(portFile)) port = Number(readFileSync(portFile, "utf8").split("\n")[0]);
    if (!port) {
      if (Date.now() > deadline) {
        await close();
        throw new Error(`chromium did not open its DevTools port within ${timeoutMs} ms:\n${out}`);
      }
      await Bun.sleep(50);
    }
  }
  const http = `http://127.0.0.1:${port}`;
  const pages: Page[] = [];
  return {
    async newPage(viewport = { width: 1280, height: 800 }) {
      const r = await fetch(`${http}/json/new?about:blank`, { method: "PUT" });
      if (!r.ok) throw new Error(`chromium /json/new answered ${r.status}`);
      const target = (await r.json()) as { id: string; webSocketDebuggerUrl: string };
      const page = await Page.open(target.webSocketDebuggerUrl, target.id, viewport);
      pages.push(page);
      return page;
    },
    async close() {
      for (const p of pages) p.close();
      await close();
    },
  };
}
