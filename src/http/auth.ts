// API keys (API_KEYS). A presented key is hashed and compared with every configured key's hash in
// constant time, without stopping at the first match: neither the comparison nor the number of
// comparisons tells an attacker how much of a guess was right, or which key it resembled.
import { createHash, timingSafeEqual } from "node:crypto";
import type { Config } from "../config.ts";

const BEARER = /^Bearer\s+(.+)$/i;
const sha256 = (s: string) => createHash("sha256").update(s).digest();

export interface Auth {
  /** True when no keys are configured, or the request carries one of them. */
  allows(headers: Headers, url?: string): boolean;
}

export function createAuth(config: Pick<Config, "API_KEYS" | "API_KEY_IN_QUERY">): Auth {
  const digests = config.API_KEYS.map(sha256);
  const known = (key: string) => {
    const d = sha256(key);
    let ok = false;
    for (const k of digests) ok = timingSafeEqual(d, k) || ok;
    return ok;
  };
  return {
    allows(headers, url) {
      if (digests.length === 0) return true;
      let key = headers.get("x-api-key") ?? BEARER.exec(headers.get("authorization") ?? "")?.[1] ?? null;
      // Query strings end up in proxies' access logs: only when the operator allowed it (browsers
      // cannot set headers on a WebSocket).
      if (key === null && url && config.API_KEY_IN_QUERY) key = new URL(url).searchParams.get("api_key");
      return key !== null && known(key);
    },
  };
}
