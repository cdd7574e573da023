// Fast CSV scanning on bytes: chunked line/comma splitting and id/amount parsing, exact via the core parsers.

import { closeSync, openSync, readSync } from 'node:fs';
import { type ParseResult, parseDecimal, parseUnits } from '../core/decimal.js';
import { InputError } from './errors.js';

/** Called with a line's bytes `[start, end)` (line end and CR excluded) and its 1-based number. */
export type LineHandler = (buf: Buffer, start: number, end: number, lineNo: number) => void;

const CHUNK = 1 << 22;
const LF = 10;
const CR = 13;
const COMMA = 44;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Calls `onLine` for every non-empty line of the file, in order. Line numbers
 * count every line (empty ones too), so they match what an editor shows. A
 * UTF-8 byte order mark at the start is dropped; a missing final newline is fine.
 */
export function scanLines(path: string, onLine: LineHandler): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new InputError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    let buf = Buffer.allocUnsafe(CHUNK);
    let len = 0;
    let lineNo = 0;
    let first = true;
    for (;;) {
      if (len === buf.length) {
        // One line longer than the buffer: grow it.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      let n: number;
      try {
        n = readSync(fd, buf, len, buf.length - len, null);
      } catch (e) {
        throw new InputError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      len += n;
      const eof = n === 0;
      let start = 0;
      if (first && (len >= 3 || eof)) {
        first = false;
        if (len >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
      } else if (first) {
        continue;
      }
      const view = buf.subarray(0, len);
      for (;;) {
        const nl = view.indexOf(LF, start);
        if (nl === -1) break;
        lineNo++;
        const end = nl > start && view[nl - 1] === CR ? nl - 1 : nl;
        if (end > start) onLine(view, start, end, lineNo);
        start = nl + 1;
      }
      if (eof) {
        if (start < len) {
          lineNo++;
          const end = view[len - 1] === CR ? len - 1 : len;
          if (end > start) onLine(view, start, end, lineNo);
        }
        return;
      }
      buf.copy(buf, 0, start, len);
      len -= start;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Splits `[start, end)` on commas. Field i is `[bounds[2i], bounds[2i+1])`;
 * only the first `bounds.length / 2` fields are stored. Returns the field count.
 */
export function splitFields(buf: Buffer, start: number, end: number, bounds: Int32Array): number {
  const max = bounds.length >> 1;
  let n = 0;
  let s = start;
  for (let i = start; i < end; i++) {
    if (buf[i] === COMMA) {
      if (n < max) {
        bounds[2 * n] = s;
        bounds[2 * n + 1] = i;
      }
      n++;
      s = i + 1;
    }
  }
  if (n < max) {
    bounds[2 * n] = s;
    bounds[2 * n + 1] = end;
  }
  return n + 1;
}

/** The field's text, for messages and the slow paths. */
export function text(buf: Buffer, start: number, end: number): string {
  return buf.toString('utf8', start, end);
}

/** Splits a whole line into trimmed field strings (headers and small config files). */
export function fieldStrings(buf: Buffer, start: number, end: number): string[] {
  return text(buf, start, end)
    .split(',')
    .map((f) => f.trim());
}

/**
 * A non-negative safe integer written plainly (digits only, no sign, no leading
 * zero unless it is "0"); -1 when the bytes are not one.
 */
export function parseIdBytes(buf: Buffer, s: number, e: number): number {
  const n = e - s;
  if (n === 0 || n > 16 || (n > 1 && buf[s] === 48)) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = (buf[i] as number) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  // Past 2^53 the products may round, but only to values above MAX_SAFE.
  return v <= MAX_SAFE ? v : -1;
}

/**
 * Fast path of `parseDecimal` on bytes: the units when the text is a plain
 * decimal whose value needs at most 15 digits, else -1 (then the caller runs
 * `parseDecimal` itself, which also words the error). Same acceptance rules.
 */
export function decimalBytesFast(buf: Buffer, s: number, e: number, decimals: number): number {
  if (s === e) return -1;
  let i = s;
  // A leading zero must be the whole integer part.
  if (buf[i] === 48 && i + 1 < e && buf[i + 1] !== 46) return -1;
  let v = 0;
  let digits = 0;
  for (; i < e; i++) {
    const c = buf[i] as number;
    if (c === 46) break;
    const d = c - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
    digits++;
  }
  if (digits === 0) return -1;
  let frac = 0;
  if (i < e) {
    i++; // the dot
    if (i === e) return -1;
    for (; i < e; i++) {
      const d = (buf[i] as number) - 48;
      if (d < 0 || d > 9) return -1;
      v = v * 10 + d;
      frac++;
    }
    if (frac > decimals) return -1;
    digits += frac;
  }
  if (digits + decimals - frac > 15) return -1;
  for (let k = frac; k < decimals; k++) v *= 10;
  return v;
}

/** Fast path of a non-negative integer of internal units: digits only, at most 15; else -1. */
export function unitsBytesFast(buf: Buffer, s: number, e: number): number {
  const n = e - s;
  if (n === 0 || n > 15 || (n > 1 && buf[s] === 48)) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = (buf[i] as number) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** How amounts in a file are written: decimal strings in human units, or integers of internal units. */
export type AmountUnits = 'human' | 'internal';

/**
 * Parses an amount field: human units with `decimals` (strict, as `parseDecimal`),
 * or a non-negative integer of internal units (as `parseUnits`, within int64).
 * The common case returns the value as a plain number (no allocation); the rest
 * returns the core parser's result, error included.
 */
export function parseAmountBytes(
  buf: Buffer,
  s: number,
  e: number,
  units: AmountUnits,
  decimals: number,
): ParseResult | number {
  if (units === 'human') {
    const v = decimalBytesFast(buf, s, e, decimals);
    return v >= 0 ? v : parseDecimal(text(buf, s, e), decimals);
  }
  const v = unitsBytesFast(buf, s, e);
  return v >= 0 ? v : parseInternal(text(buf, s, e));
}

/** A non-negative integer of internal units within int64 (strict, as `parseUnits`). */
export function parseInternal(t: string): ParseResult {
  if (t.length === 0) return { ok: false, error: 'must not be empty' };
  if (t.charCodeAt(0) === 45) return { ok: false, error: `"${t}" must not be negative` };
  return parseUnits(t);
}

/** True when the bytes spell `word` (lowercase letters) in any letter case. */
export function isWord(buf: Buffer, s: number, e: number, word: string): boolean {
  if (e - s !== word.length) return false;
  for (let i = 0; i < word.length; i++) {
    if (((buf[s + i] as number) | 0x20) !== word.charCodeAt(i)) return false;
  }
  return true;
}

/** The column names of a header line: trimmed, lowercase. */
export function headerColumns(buf: Buffer, start: number, end: number): string[] {
  return fieldStrings(buf, start, end).map((f) => f.toLowerCase());
}

export function sameColumns(actual: readonly string[], expected: readonly string[]): boolean {
  return actual.length === expected.length && actual.every((c, i) => c === expected[i]);
}
