// Small seeded pseudo-random generator (mulberry32) for reproducible test data; never Math.random.

/** Folds any safe integer seed into 32 bits (the high half is mixed in, not dropped). */
export function seed32(seed: number): number {
  const lo = (seed % 4294967296) >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  return (lo ^ Math.imul(hi, 0x9e3779b9)) >>> 0;
}

/** mulberry32: a uniform float in [0, 1) per call, 2^32 period, identical on every platform. */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed32(seed);
  }

  next(): number {
    const a = (this.state = (this.state + 0x6d2b79f5) | 0);
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}
