// GET /openapi: the OpenAPI document as one self-contained HTML page, rendered here from the
// document itself. The plugin's own pages (Scalar, Swagger UI) load their code from a CDN, which an
// offline or locked-down network cannot reach; this one is static HTML with its style inlined and no
// script at all (the CSP allows that one style and nothing else), so it works anywhere, and every
// route, body, answer and error code is on the page as text, sections folding with <details>.
import { createHash } from "node:crypto";

type Json = Record<string, any>;

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** The descriptions' little Markdown: `code` and **bold**, on escaped text. */
const prose = (s: unknown) => esc(s ?? "").replace(/`([^`]+)`/g, "<code>$1</code>").replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>");
const refName = (ref: string) => ref.split("/").pop()!;
const anchor = (ref: string) => `${ref.includes("/responses/") ? "response" : "schema"}-${refName(ref)}`;

const CONSTRAINTS = ["format", "minimum", "exclusiveMinimum", "maximum", "minLength", "minItems", "maxItems", "default"] as const;

/** A schema as nested HTML; `depth` stops runaway nesting (the document has no cycles but refs). */
function schema(s: Json | undefined, depth = 0): string {
  if (!s || typeof s !== "object") return "<em>any</em>";
  if (depth > 6) return "…";
  if (s.$ref) return `<a href="#${anchor(s.$ref)}">${esc(refName(s.$ref))}</a>`;
  const note = s.description ? ` <span class="d">${prose(s.description)}</span>` : "";
  if (s.allOf) return s.allOf.map((p: Json) => schema(p, depth + 1)).join(" <em>and</em> ") + note;
  const union = s.anyOf ?? s.oneOf;
  if (union) return `<em>one of</em><ul>${union.map((p: Json) => `<li>${schema(p, depth + 1)}</li>`).join("")}</ul>${note}`;
  if (s.const !== undefined) return `<code>${esc(JSON.stringify(s.const))}</code>${note}`;
  if (s.enum) return `<em>one of</em> ${s.enum.map((v: unknown) => `<code>${esc(JSON.stringify(v))}</code>`).join(" ")}${note}`;
  if (s.type === "array") return `<em>array of</em> ${schema(s.items, depth + 1)}${note}`;
  if (s.type === "object" || s.properties || s.patternProperties) {
    const required = new Set<string>(s.required ?? []);
    const rows = Object.entries<Json>(s.properties ?? {}).map(
      ([name, p]) => `<tr><td><code>${esc(name)}</code>${required.has(name) ? ' <span class="req">required</span>' : ""}</td><td>${schema(p, depth + 1)}</td></tr>`,
    );
    for (const p of Object.values<Json>(s.patternProperties ?? {})) rows.push(`<tr><td><em>any key</em></td><td>${schema(p, depth + 1)}</td></tr>`);
    const table = rows.length ? `<table>${rows.join("")}</table>` : "";
    return `<em>object</em>${note}${table}`;
  }
  const facts = CONSTRAINTS.filter((k) => s[k] !== undefined).map((k) => `${k} ${esc(JSON.stringify(s[k]))}`);
  return `<code>${esc(s.type ?? "any")}</code>${facts.length ? ` <span class="c">(${facts.join(", ")})</span>` : ""}${note}`;
}

function content(c: Json | undefined): string {
  if (!c) return "";
  return Object.entries<Json>(c)
    .map(([type, media]) => {
      const examples = media.examples ? Object.entries<Json>(media.examples).map(([name, e]) => [name, e.value] as const) : media.example !== undefined ? [["example", media.example] as const] : [];
      const shown = examples.map(([name, v]) => `<details><summary>${esc(name)}</summary><pre>${esc(JSON.stringify(v, null, 2))}</pre></details>`).join("");
      return `<div class="media"><span class="ct">${esc(type)}</span> ${schema(media.schema)}${shown}</div>`;
    })
    .join("");
}

function response(status: string, r: Json, doc: Json): string {
  const target = r.$ref ? doc.components?.responses?.[refName(r.$ref)] : r;
  const body = r.$ref ? `<a href="#${anchor(r.$ref)}">${esc(refName(r.$ref))}</a>: ${prose(target?.description)}` : `${prose(r.description)}${headers(r.headers)}${content(r.content)}`;
  return `<tr><td class="st s${status[0]}">${esc(status)}</td><td>${body}</td></tr>`;
}

function headers(h: Json | undefined): string {
  if (!h) return "";
  return Object.entries<Json>(h)
    .map(([name, x]) => `<div class="hdr">header <code>${esc(name)}</code>${x.required ? ' <span class="req">always</span>' : ""}: ${schema(x.schema)} ${prose(x.description)}</div>`)
    .join("");
}

function security(op: Json, doc: Json): string {
  const options: Json[] = op.security ?? doc.security ?? [];
  if (options.length === 0) return '<p class="sec">No key needed.</p>';
  const named = options.flatMap((o) => Object.keys(o)).map((n) => doc.components?.securitySchemes?.[n]?.description ?? n);
  return `<p class="sec">Key: ${named.map(prose).join("; ")}${options.some((o) => Object.keys(o).length === 0) ? " — only when API_KEYS is set" : ""}.</p>`;
}

function operation(method: string, path: string, op: Json, doc: Json): string {
  const id = esc(op.operationId ?? `${method}-${path}`);
  const params = (op.parameters ?? []).map(
    (p: Json) => `<tr><td><code>${esc(p.name)}</code> <span class="c">${esc(p.in)}</span>${p.required ? ' <span class="req">required</span>' : ""}</td><td>${schema(p.schema)} ${prose(p.description)}</td></tr>`,
  );
  const body = op.requestBody ? `<h4>Request body</h4><p>${prose(op.requestBody.description)}</p>${content(op.requestBody.content)}` : "";
  const answers = Object.entries<Json>(op.responses ?? {}).map(([status, r]) => response(status, r, doc));
  return `<section id="${id}"><h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code> ${prose(op.summary)}</h3>
<p>${prose(op.description)}</p>${security(op, doc)}${params.length ? `<h4>Parameters</h4><table>${params.join("")}</table>` : ""}${body}
<h4>Answers</h4><table>${answers.join("")}</table></section>`;
}

const CSS = `body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem 1.5rem;color:#1d1d1f;background:#fff}
code,pre,.ct{font-family:ui-monospace,monospace;font-size:.9em}pre{background:#f4f4f6;padding:.5rem;overflow:auto}
section{border-top:1px solid #ddd;padding:.5rem 0}h3{margin:.5rem 0}h4{margin:.6rem 0 .2rem}
table{border-collapse:collapse;width:100%;margin:.2rem 0}td{border-top:1px solid #eee;padding:.25rem .4rem;vertical-align:top}td:first-child{white-space:nowrap;width:1%}
ul{margin:.1rem 0;padding-left:1.2rem}.d,.c,.sec{color:#555}.req{color:#b3261e;font-size:.8em}
.m{display:inline-block;min-width:3.5rem;text-align:center;color:#fff;border-radius:3px;font-size:.8em;padding:.1rem .3rem}.get{background:#1f6feb}.post{background:#1a7f37}
.st{font-weight:bold}.s2,.s1{color:#1a7f37}.s4{color:#9a6700}.s5{color:#b3261e}.ct{background:#eef;padding:0 .3rem}.media,.hdr{margin:.2rem 0}
nav a{margin-right:.8rem;white-space:nowrap}details{margin:.2rem 0}summary{cursor:pointer;color:#555}
@media (prefers-color-scheme:dark){body{background:#161618;color:#e8e8ea}pre{background:#222}.d,.c,.sec,summary{color:#aaa}td{border-color:#333}section{border-color:#444}.ct{background:#2a2a40}a{color:#7aa7ff}}`;

/** The page's HTML and the Content-Security-Policy that allows its one inline style. */
export function renderOpenapiPage(doc: Json): { html: string; csp: string } {
  const ops: [string, string, Json][] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) for (const [method, op] of Object.entries<Json>(item)) ops.push([method, path, op]);
  const nav = ops.map(([m, p, op]) => `<a href="#${esc(op.operationId ?? `${m}-${p}`)}">${esc(m.toUpperCase())} ${esc(p)}</a>`).join(" ");
  const schemas = Object.entries<Json>(doc.components?.schemas ?? {}).map(([name, s]) => `<section id="schema-${esc(name)}"><h3>${esc(name)}</h3>${schema(s)}</section>`);
  const shared = Object.entries<Json>(doc.components?.responses ?? {}).map(([name, r]) => `<section id="response-${esc(name)}"><h3>${esc(name)}</h3>${prose(r.description)}${headers(r.headers)}${content(r.content)}</section>`);
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(doc.info?.title)} API</title><style>${CSS}</style></head><body>
<h1>${esc(doc.info?.title)} ${esc(doc.info?.version)} <span class="c">OpenAPI ${esc(doc.openapi)}</span></h1>
<p>${prose(doc.info?.description)}</p><p>The document as JSON: <a href="/openapi/json"><code>/openapi/json</code></a>.</p>
<nav>${nav}</nav>${ops.map(([m, p, op]) => operation(m, p, op, doc)).join("\n")}
<h2>Shared answers</h2>${shared.join("\n")}<h2>Schemas</h2>${schemas.join("\n")}</body></html>`;
  const csp = `default-src 'none'; style-src 'sha256-${createHash("sha256").update(CSS, "utf8").digest("base64")}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
  return { html, csp };
}
