// Answers of the HTTP surface: a JSON body, and an error as `{error, code, ...detail}` with its
// status (and Retry-After for a 503). One place, so the routes and the WebSocket upgrade agree.
import { IngestError, errors } from "../errors.ts";
import { log } from "../log.ts";

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/** An IngestError as its answer; anything else is a bug: logged, and answered 500 without its text. */
export function errorResponse(err: unknown): Response {
  if (err instanceof IngestError) {
    return json(err.status, err.toJSON(), err.retryAfter ? { "retry-after": String(err.retryAfter) } : {});
  }
  log.error("unexpected error", { error: String((err as Error)?.stack ?? err) });
  const internal = errors.internal();
  return json(internal.status, internal.toJSON());
}
