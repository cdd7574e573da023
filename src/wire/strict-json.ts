// Strict JSON for what clients send (HTTP bodies and WebSocket frames): JSON.parse, plus what it lets through
// silently. A key repeated in one object ({"qty":"1","qty":"100"}: JSON.parse keeps the last) is refused, so a
// proxy, a signature check or a log that reads the first value can never disagree with what the server acts on;
// and "__proto__" is refused as a key, so no later object copy can pick it up as a prototype.

export type StrictJsonResult =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly msg: string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Parses `text`; `{ok:false, msg}` for malformed JSON, a duplicate key or a "__proto__" key. */
export function parseStrictJson(text: string): StrictJsonResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, msg: 'malformed JSON' };
  }
  if (typeof value !== 'object' || value === null) return { ok: true, value };
  const problem = findKeyProblem(text);
  return problem === null ? { ok: true, value } : { ok: false, msg: problem };
}

/**
 * Scans valid JSON text for a key seen twice in the same object or a "__proto__" key. The text must be valid JSON
 * (JSON.parse accepted it), so the scan only tracks strings and nesting.
 */
function findKeyProblem(text: string): string | null {
  // One entry per open container: the keys seen so far in an object, null for an array.
  const stack: Array<Set<string> | null> = [];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === OPEN_OBJECT) stack.push(new Set());
    else if (c === OPEN_ARRAY) stack.push(null);
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) stack.pop();
    else if (c === QUOTE) {
      const start = i;
      let escaped = false;
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) {
          escaped = true;
          i++; // the escaped character, which may be a quote
        } else if (d === QUOTE) break;
      }
      const top = stack[stack.length - 1];
      if (top === undefined || top === null) continue;
      let j = i + 1;
      while (j < n && isSpace(text.charCodeAt(j))) j++;
      if (text.charCodeAt(j) !== COLON) continue; // a value, not a key
      const raw = text.slice(start + 1, i);
      const key = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : raw;
      if (key === '__proto__') return 'the key "__proto__" is not allowed';
      if (top.has(key)) return `duplicate key ${JSON.stringify(key)}: send each field once`;
      top.add(key);
    }
  }
  return null;
}
