// GET /openapi/json and GET /openapi: the OpenAPI 3.1 document of the app, generated from its own
// route table by @elysiajs/openapi's toOpenAPISchema (paths, methods, path parameters, each route's
// `detail` from openapi-routes.ts), with the schemas of openapi-schemas.ts as its components.
// The plugin's generator only: its Elysia plugin would add routes that answer outside respond.ts and
// a page that loads Scalar from a CDN. docs/openapi.md says how schemathesis checks the document.
import { toOpenAPISchema } from "@elysiajs/openapi/openapi";
import type { AnyElysia } from "elysia";
import { version } from "../../package.json";
import { renderOpenapiPage } from "./openapi-page.ts";
import { SHARED_RESPONSES } from "./openapi-routes.ts";
import { SCHEMAS } from "./openapi-schemas.ts";

export const OPENAPI_VERSION = "3.1.1";

const INFO = {
  title: "tickgate",
  version,
  description:
    "An edge validator for crypto market-data ticks: `POST /v1/ticks` (or the WebSocket `GET /v1/stream`) validates each tick against the check registry (`GET /v1/checks`) " +
    "and answers once Kafka (or, with `?ack=stored`, Redis and PostgreSQL) holds them. Errors are `{error, code, ...detail}` with a stable `code`, listed under each answer; " +
    "any other path answers `404 route.not_found` (`401` when API_KEYS is set and no key was sent). Limits in CAPITALS are environment variables (docs/api.md, Configuration).",
};

const SECURITY_SCHEMES = {
  apiKey: { type: "apiKey", in: "header", name: "x-api-key", description: "header `x-api-key: <key>`" },
  bearer: { type: "http", scheme: "bearer", description: "header `Authorization: Bearer <key>`" },
  apiKeyQuery: { type: "apiKey", in: "query", name: "api_key", description: "`?api_key=<key>` (GET /v1/stream only, and only with API_KEY_IN_QUERY=true)" },
};

const TAGS = [
  { name: "ingest", description: "ticks in" },
  { name: "probes", description: "for orchestrators: never need a key" },
  { name: "checks", description: "the check registry and its config" },
  { name: "operations", description: "metrics, stats, restarts" },
  { name: "docs", description: "pages for people and this document" },
];

/** The document of `app`'s routes. Keys are optional (`{}` in `security`): needed only when API_KEYS is set. */
export function openapiDocument(app: AnyElysia) {
  const { paths } = toOpenAPISchema(app);
  return {
    openapi: OPENAPI_VERSION,
    info: INFO,
    tags: TAGS,
    security: [{}, { apiKey: [] }, { bearer: [] }],
    paths,
    // Through JSON: TypeBox marks its schemas with symbol keys, which are no part of the document.
    components: JSON.parse(JSON.stringify({ schemas: SCHEMAS, responses: SHARED_RESPONSES, securitySchemes: SECURITY_SCHEMES })),
  };
}

/**
 * The two answers, built once on first use (the routes do not change after the app is made). They
 * list every route, so app.ts serves them behind the key like the API they describe.
 */
export function openapiAnswers(app: () => AnyElysia) {
  let built: { json: string; html: string; csp: string } | undefined;
  const build = () => {
    if (built) return built;
    const doc = openapiDocument(app());
    return (built = { json: JSON.stringify(doc), ...renderOpenapiPage(doc) });
  };
  return {
    json: () => new Response(build().json, { headers: { "content-type": "application/json" } }),
    page: () => {
      const { html, csp } = build();
      return new Response(html, { headers: { "content-type": "text/html; charset=utf-8", "content-security-policy": csp, "x-content-type-options": "nosniff" } });
    },
  };
}
