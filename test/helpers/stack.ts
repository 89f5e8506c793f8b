// Connection settings for tests that use the real local stack (scripts/stack.sh up).
import { loadConfig } from "../../src/config.ts";

export const config = loadConfig();

/** A name unique to this test run, for topics, consumer groups, key prefixes and tables. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e9).toString(36)}`;
}
