// Exact integer arithmetic for money: every amount and price is a count of
// internal units that fits a signed 64-bit integer. A value is a JS number while
// it is a safe integer (|v| <= 2^53-1) and a bigint only beyond that, so the hot
// path stays on plain numbers and the rare huge value is still exact.
// Canonical form: a value that fits a safe integer is ALWAYS a number, so `===`
// compares values correctly, and `<`/`>` work across the two representations.

export type Int = number | bigint;

export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MAX_SAFE_BIG = BigInt(MAX_SAFE);

/** Canonical form of a bigint: a number when it is a safe integer. */
export function norm(v: bigint): Int {
  return v <= MAX_SAFE_BIG && v >= -MAX_SAFE_BIG ? Number(v) : v;
}

export function big(a: Int): bigint {
  return typeof a === 'bigint' ? a : BigInt(a);
}

export function add(a: Int, b: Int): Int {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (r <= MAX_SAFE && r >= -MAX_SAFE) return r;
  }
  return norm(big(a) + big(b));
}

export function sub(a: Int, b: Int): Int {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (r <= MAX_SAFE && r >= -MAX_SAFE) return r;
  }
  return norm(big(a) - big(b));
}

export function mul(a: Int, b: Int): Int {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    if (r <= MAX_SAFE && r >= -MAX_SAFE) return r;
  }
  return norm(big(a) * big(b));
}

export function min(a: Int, b: Int): Int {
  return a < b ? a : b;
}

export function max(a: Int, b: Int): Int {
  return a > b ? a : b;
}

/**
 * floor(a * b / d) for a >= 0, b >= 0, d > 0, exact. Stays on numbers when the
 * product or the split product fits; otherwise falls back to bigint.
 */
export function mulDivFloor(a: Int, b: Int, d: Int): Int {
  if (typeof a === 'number' && typeof b === 'number' && typeof d === 'number') {
    const p = a * b;
    // Exact: p is then the true product, and for integers p <= 2^53 - 1 the rounded quotient p / d can
    // never reach the next integer (that needs p >= 2^53), so floor gives floor(p / d). A double % is a
    // libm call; this is one division.
    if (p <= MAX_SAFE) return Math.floor(p / d);
    // b = bh*d + bl  =>  a*b/d = a*bh + a*bl/d, exact while a*d fits.
    if (a * d <= MAX_SAFE) {
      const bl = b % d;
      const bh = (b - bl) / d;
      const hi = a * bh;
      const lo = a * bl;
      const r = hi + (lo - (lo % d)) / d;
      if (hi <= MAX_SAFE && r <= MAX_SAFE) return r;
    }
  }
  return norm((big(a) * big(b)) / big(d));
}

/** True when the value fits a signed 64-bit integer. */
export function fitsInt64(a: Int): boolean {
  return typeof a === 'number' || (a <= INT64_MAX && a >= INT64_MIN);
}

/** 10^n as an Int (n >= 0). */
export function pow10(n: number): Int {
  return norm(10n ** BigInt(n));
}

export function intToString(a: Int): string {
  return typeof a === 'number' ? String(a) : a.toString();
}
