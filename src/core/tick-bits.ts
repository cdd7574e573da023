// A hierarchical bitset over slot indexes 0..capacity-1: level 0 holds one bit
// per slot, every level above one bit per non-zero 32-bit word of the level
// below, up to a single word. Set and clear touch one word per level at most;
// finding the nearest set bit above or below an index walks up to the first
// word with a candidate and back down, so a scan over a run of empty slots
// costs a few word reads whatever its length.

export class TickBits {
  /** levels[0] is the finest (one bit per slot); the last level is one word. */
  private readonly levels: Uint32Array[] = [];

  constructor(readonly capacity: number) {
    let n = capacity;
    do {
      n = Math.ceil(n / 32);
      this.levels.push(new Uint32Array(n));
    } while (n > 1);
  }

  has(i: number): boolean {
    return (((this.levels[0] as Uint32Array)[i >>> 5] as number) & (1 << (i & 31))) !== 0;
  }

  set(i: number): void {
    for (const words of this.levels) {
      const k = i >>> 5;
      const before = words[k] as number;
      words[k] = before | (1 << (i & 31));
      if (before !== 0) return;
      i = k;
    }
  }

  clear(i: number): void {
    for (const words of this.levels) {
      const k = i >>> 5;
      const after = (words[k] as number) & ~(1 << (i & 31));
      words[k] = after;
      if (after !== 0) return;
      i = k;
    }
  }

  /** The highest set index <= i, or -1. */
  prev(i: number): number {
    const levels = this.levels;
    let l = 0;
    for (;;) {
      if (i < 0) return -1;
      const k = i >>> 5;
      // Bits 0..(i & 31) of the word; (2 << 31) - 1 wraps to all ones.
      const m = ((levels[l] as Uint32Array)[k] as number) & ((2 << (i & 31)) - 1);
      if (m !== 0) {
        i = (k << 5) | (31 - Math.clz32(m));
        break;
      }
      if (l === levels.length - 1) return -1;
      i = k - 1;
      l++;
    }
    while (l > 0) {
      l--;
      i = (i << 5) | (31 - Math.clz32((levels[l] as Uint32Array)[i] as number));
    }
    return i;
  }

  /** The lowest set index >= i, or -1. */
  next(i: number): number {
    const levels = this.levels;
    let l = 0;
    for (;;) {
      const words = levels[l] as Uint32Array;
      const k = i >>> 5;
      if (k >= words.length) return -1;
      const m = (words[k] as number) & (-1 << (i & 31));
      if (m !== 0) {
        i = (k << 5) | (31 - Math.clz32(m & -m));
        break;
      }
      if (l === levels.length - 1) return -1;
      i = k + 1;
      l++;
    }
    while (l > 0) {
      l--;
      const m = (levels[l] as Uint32Array)[i] as number;
      i = (i << 5) | (31 - Math.clz32(m & -m));
    }
    return i;
  }

  /** Every upper word has exactly the bits of the non-zero words below it; empty when sound. */
  check(): string[] {
    const errors: string[] = [];
    for (let l = 1; l < this.levels.length; l++) {
      const below = this.levels[l - 1] as Uint32Array;
      const words = this.levels[l] as Uint32Array;
      for (let k = 0; k < below.length; k++) {
        const bit = (((words[k >>> 5] as number) >>> (k & 31)) & 1) === 1;
        if (bit !== (below[k] !== 0)) errors.push(`tick bits: level ${l} bit ${k} is ${bit} for word ${below[k]}`);
      }
    }
    return errors;
  }
}
