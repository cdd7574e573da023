// Decimal strings <-> integer internal units. Parsing is strict (no exponent,
// sign, spaces, leading zeros, bare dot) and refuses excess precision instead of
// rounding; formatting truncates to the display decimals. No floats anywhere.

import { type Int, INT64_MAX, norm } from './int64.js';

export type ParseResult = { ok: true; value: Int } | { ok: false; error: string };

const DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;
const INTEGER = /^-?(0|[1-9][0-9]*)$/;

/**
 * Parses a non-negative decimal string into units of 10^-decimals.
 * "0.1" ok; "1e5", "-1", "00.1", ".5", "1.", " 1", and more fractional digits
 * than `decimals` are refused; values above INT64_MAX units are refused.
 */
export function parseDecimal(text: string, decimals: number): ParseResult {
  if (typeof text !== 'string') return { ok: false, error: 'must be a decimal string' };
  if (text.length === 0) return { ok: false, error: 'must not be empty' };
  if (text.length > 64) return { ok: false, error: 'too long' };
  const m = DECIMAL.exec(text);
  if (m === null)
    return { ok: false, error: `"${text}" is not a plain decimal number (digits, optional dot and digits)` };
  const whole = m[1] as string;
  const frac = m[2] ?? '';
  if (frac.length > decimals) {
    return { ok: false, error: `"${text}" has ${frac.length} decimals, at most ${decimals} allowed` };
  }
  const units = BigInt(whole + frac.padEnd(decimals, '0'));
  if (units > INT64_MAX) return { ok: false, error: `"${text}" is out of range` };
  return { ok: true, value: norm(units) };
}

/** Parses a (possibly negative) integer string of internal units, within int64. */
export function parseUnits(text: string): ParseResult {
  if (!INTEGER.test(text) || text.length > 21) return { ok: false, error: `"${text}" is not an integer` };
  const v = BigInt(text);
  if (v > INT64_MAX || v < -INT64_MAX - 1n) return { ok: false, error: `"${text}" is out of range` };
  return { ok: true, value: norm(v) };
}

/**
 * Formats `units` (10^-decimals) with exactly `display` fractional digits,
 * truncating toward zero when display < decimals. `signed` adds "+" to >= 0.
 */
export function formatDecimal(units: Int, decimals: number, display: number, signed = false): string {
  let neg = false;
  let digits: string;
  if (typeof units === 'number') {
    neg = units < 0;
    digits = String(neg ? -units : units);
  } else {
    neg = units < 0n;
    digits = (neg ? -units : units).toString();
  }
  if (digits.length <= decimals) digits = digits.padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  let frac = digits.slice(digits.length - decimals);
  frac = display <= decimals ? frac.slice(0, display) : frac.padEnd(display, '0');
  const body = display > 0 ? `${whole}.${frac}` : whole;
  const isZero = /^[0.]*$/.test(body);
  const sign = neg && !isZero ? '-' : signed ? '+' : '';
  return sign + body;
}
