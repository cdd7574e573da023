// Amount arithmetic for display, exact on decimal strings (BigInt of scaled digits, never floats): cumulative
// sizes of a ladder, and a 0..1 position of a value within a range for drawing (the only place a ratio becomes a
// number, and it is a pixel position, not an amount).

import { parseDecimal, type ScaledDecimal } from '../../src/client/decimal.js';

const TEN = 10n;

function atScale(d: ScaledDecimal, scale: number): bigint {
  return d.scale === scale ? d.units : d.units * TEN ** BigInt(scale - d.scale);
}

export function scaleOf(values: readonly string[]): number {
  return values.reduce((m, v) => Math.max(m, parseDecimal(v).scale), 0);
}

export function toUnits(value: string, scale: number): bigint {
  return atScale(parseDecimal(value), scale);
}

export function formatUnits(units: bigint, scale: number): string {
  const neg = units < 0n;
  const digits = (neg ? -units : units).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return neg ? `-${text}` : text;
}

/** Running totals of the quantities, at their common scale: ["1.5", "2"] -> ["1.5", "3.5"]. */
export function cumulative(qtys: readonly string[]): string[] {
  const scale = scaleOf(qtys);
  let sum = 0n;
  return qtys.map((q) => formatUnits((sum += toUnits(q, scale)), scale));
}

/** Where `v` lies between `lo` and `hi` (all decimal strings), 0..1 to 1/10000; 0 when the range is empty. */
export function position(v: string, lo: string, hi: string): number {
  const scale = scaleOf([v, lo, hi]);
  const [x, a, b] = [toUnits(v, scale), toUnits(lo, scale), toUnits(hi, scale)];
  if (b <= a) return 0;
  return Number(((x - a) * 10_000n) / (b - a)) / 10_000;
}
