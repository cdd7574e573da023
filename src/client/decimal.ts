// Exact comparison of non-negative decimal strings ("99.90" < "100.00") by BigInt of their digits; no floats.

/** A decimal string as an integer of `scale` fractional digits: "85000.50" -> { units: 8500050n, scale: 2 }. */
export interface ScaledDecimal {
  readonly units: bigint;
  readonly scale: number;
}

const DECIMAL = /^([0-9]+)(?:\.([0-9]+))?$/;

/** Parses "123", "123.45" (no sign, no exponent); throws RangeError on anything else. */
export function parseDecimal(text: string): ScaledDecimal {
  const m = DECIMAL.exec(text);
  if (m === null) throw new RangeError(`not a non-negative decimal string: ${JSON.stringify(text)}`);
  const frac = m[2] ?? '';
  return { units: BigInt((m[1] as string) + frac), scale: frac.length };
}

const TEN = 10n;

function rescale(d: ScaledDecimal, scale: number): bigint {
  return d.scale === scale ? d.units : d.units * TEN ** BigInt(scale - d.scale);
}

/** -1, 0 or 1, exactly; "1.5" and "1.50" are equal. */
export function compareScaled(a: ScaledDecimal, b: ScaledDecimal): -1 | 0 | 1 {
  const scale = Math.max(a.scale, b.scale);
  const x = rescale(a, scale);
  const y = rescale(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function compareDecimal(a: string, b: string): -1 | 0 | 1 {
  return compareScaled(parseDecimal(a), parseDecimal(b));
}

/** True for "0", "0.000000", "00.0". */
export function isZeroDecimal(text: string): boolean {
  return parseDecimal(text).units === 0n;
}
