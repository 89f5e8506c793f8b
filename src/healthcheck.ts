// The container healthcheck: `bun src/healthcheck.ts [PATH]` exits 0 when tickgate's own
// GET PATH (default /healthz) answers 2xx within 4 s, and 1 otherwise, saying why on stderr.
// It is a file rather than `bun -e "<script>"` because podman's Docker API splits exec-form
// healthcheck arguments at spaces: a healthcheck must be words without spaces to pass everywhere.
import { loadConfig } from "./config.ts";

const TIMEOUT_MS = 4000;

/** Where the server listening on HOST:PORT is reached from inside its own container. */
export function healthUrl(host: string, port: number, path: string): string {
  const wildcard = host === "0.0.0.0" || host === "::" || host === "";
  const h = wildcard ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  return `http://${h}:${port}${path}`;
}

async function check(path: string): Promise<string | null> {
  if (!path.startsWith("/")) return `the path must start with "/", got ${JSON.stringify(path)}`;
  let url: string;
  try {
    const config = loadConfig(process.env);
    url = healthUrl(config.HOST, config.PORT, path);
  } catch (err) {
    return `invalid configuration: ${(err as Error).message}`;
  }
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    return res.ok ? null : `${url} answered ${res.status}: ${(await res.text()).slice(0, 300)}`;
  } catch (err) {
    return `${url}: ${(err as Error).message}`;
  }
}

if (import.meta.main) {
  const problem = await check(process.argv[2] ?? "/healthz");
  if (problem) console.error(`healthcheck: ${problem}`);
  process.exit(problem ? 1 : 0);
}
