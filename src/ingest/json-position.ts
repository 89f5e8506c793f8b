// Where is a JSON text broken? JavaScriptCore's JSON.parse errors carry no position, so on the
// error path only (never for valid bodies) this small scanner walks the text once to find the
// offset of the first syntax error, for the 400 answer's `position`, `line` and `column`.

const ARRAY = 0;
const OBJECT = 1;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t", "u"]);

export interface JsonErrorAt {
  position: number;
  line: number;
  column: number;
  reason: string;
}

export function findJsonError(text: string): JsonErrorAt | null {
  const n = text.length;
  const stack: number[] = [];
  let i = 0;
  const at = (reason: string): JsonErrorAt => {
    const before = text.slice(0, i);
    const line = before.split("\n").length;
    return { position: i, line, column: i - before.lastIndexOf("\n"), reason };
  };
  const skip = () => {
    for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++i));
  };
  const string = (): string | null => {
    for (i++; i < n; i++) {
      const c = text[i];
      if (c === '"') return (i++, null);
      if (c === "\\") {
        if (!ESCAPES.has(text[++i])) return "invalid escape in string";
        if (text[i] === "u" && !/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) return "invalid \\u escape in string";
      } else if (c.charCodeAt(0) < 0x20) return "control character in string";
    }
    return "unexpected end of input in string";
  };

  /** A property name and its colon, at i (white space before it already skipped). */
  const member = (): string | null => {
    if (text[i] !== '"') return i >= n ? "unexpected end of input" : "expected a property name in double quotes";
    const bad = string();
    if (bad) return bad;
    skip();
    if (text[i] !== ":") return i >= n ? "unexpected end of input" : "expected ':'";
    i++;
    return null;
  };

  let expectValue = true;
  for (;;) {
    skip();
    if (expectValue) {
      if (i >= n) return at("unexpected end of input");
      const c = text[i];
      if (c === "{" || c === "[") {
        stack.push(c === "{" ? OBJECT : ARRAY);
        i++;
        skip();
        if (text[i] === (c === "{" ? "}" : "]")) {
          stack.pop();
          i++;
          expectValue = false;
          continue;
        }
        if (c === "{") {
          const bad = member();
          if (bad) return at(bad);
        }
        continue;
      }
      if (c === '"') {
        const bad = string();
        if (bad) return at(bad);
      } else if (c === "-" || (c >= "0" && c <= "9")) {
        NUMBER.lastIndex = i;
        if (!NUMBER.test(text)) return at("invalid number");
        i = NUMBER.lastIndex;
      } else if (text.startsWith("true", i) || text.startsWith("null", i)) i += 4;
      else if (text.startsWith("false", i)) i += 5;
      else return at(`unexpected character ${JSON.stringify(c)}`);
      expectValue = false;
      continue;
    }
    const top = stack.at(-1);
    if (top === undefined) return i < n ? at("unexpected data after the end of the JSON value") : null;
    if (i >= n) return at("unexpected end of input");
    const c = text[i++];
    if (c === (top === OBJECT ? "}" : "]")) {
      stack.pop();
      continue;
    }
    if (c !== ",") return (i--, at(top === OBJECT ? "expected ',' or '}'" : "expected ',' or ']'"));
    expectValue = true;
    if (top === OBJECT) {
      skip();
      const bad = member();
      if (bad) return at(bad);
    }
  }
}
