// The metric names a PromQL expression reads, so that test/deploy/monitoring.test.ts can hold the
// alert rules and the dashboard to what GET /metrics exposes. A tokenizer, not a parser: it skips
// what is not a metric name — strings, label matchers `{…}`, ranges and subqueries `[…]`, numbers
// and durations, Grafana variables ($__rate_interval, ${x}, $x), function names (an identifier
// before `(`), keywords and operators, and the label lists after by/without/on/ignoring/group_*.

// Aggregation operators are keywords too: `sum by (le) (…)` puts the label list before the parenthesis.
const KEYWORDS = new Set([
  "and", "or", "unless", "bool", "offset", "atan2", "inf", "nan",
  "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio",
]);
const LABEL_LISTS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);

const isIdentStart = (c: string) => /[A-Za-z_:]/.test(c);
const isIdent = (c: string) => /[A-Za-z0-9_:]/.test(c);

/** Index just past the string that opens at `i` (", ' or `), escapes included. */
function skipString(s: string, i: number): number {
  const quote = s[i];
  let j = i + 1;
  while (j < s.length && s[j] !== quote) j += s[j] === "\\" && quote !== "`" ? 2 : 1;
  return j + 1;
}

/** Index just past the bracket group that opens at `i` (`{`, `[` or `(`), strings inside skipped. */
function skipGroup(s: string, i: number): number {
  const close = { "{": "}", "[": "]", "(": ")" }[s[i] as "{" | "[" | "("];
  let depth = 0;
  for (let j = i; j < s.length; j++) {
    const c = s[j]!;
    if (c === '"' || c === "'" || c === "`") {
      j = skipString(s, j) - 1;
    } else if (c === s[i]) depth++;
    else if (c === close && --depth === 0) return j + 1;
  }
  throw new Error(`unclosed ${s[i]} at ${i} in ${s}`);
}

const nextNonSpace = (s: string, i: number) => {
  while (i < s.length && /\s/.test(s[i]!)) i++;
  return i;
};

/** The distinct metric names `expr` selects, in order of first use. */
export function metricNames(expr: string): string[] {
  const names: string[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === "`") i = skipString(expr, i);
    else if (c === "{" || c === "[") i = skipGroup(expr, i);
    else if (c === "$") {
      // ${name} or $name / $__name: a Grafana variable stands for a value, never a metric.
      i = expr[i + 1] === "{" ? skipGroup(expr, i + 1) : i + 1;
      while (i < expr.length && isIdent(expr[i]!)) i++;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(expr[i + 1] ?? ""))) {
      // A number or a duration (5m, 1h30m, 1e3, 0x1f): its letters are not names.
      while (i < expr.length && /[0-9A-Za-z_.]/.test(expr[i]!)) i++;
    } else if (isIdentStart(c)) {
      let j = i;
      while (j < expr.length && isIdent(expr[j]!)) j++;
      const word = expr.slice(i, j);
      const after = nextNonSpace(expr, j);
      const lower = word.toLowerCase();
      if (LABEL_LISTS.has(lower)) {
        i = expr[after] === "(" ? skipGroup(expr, after) : j;
      } else if (expr[after] === "(" || KEYWORDS.has(lower)) {
        i = j; // a function (its arguments are read on) or a keyword
      } else {
        if (!names.includes(word)) names.push(word);
        i = j;
      }
    } else i++;
  }
  return names;
}

/** The names of `used` that are neither exposed nor allowed otherwise (e.g. Prometheus's own `up`). */
export function unknownNames(used: Iterable<string>, exposed: Set<string>, allowed: Set<string> = new Set()): string[] {
  return [...new Set(used)].filter((n) => !exposed.has(n) && !allowed.has(n)).sort();
}

/**
 * The metric names GET /metrics text exposes: each `# TYPE` family's name, but for a histogram its
 * `_bucket`, `_sum` and `_count` series instead (the names PromQL selects; the bare name selects nothing).
 */
export function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    if (type === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(name + suffix);
    else names.add(name);
  }
  return names;
}
