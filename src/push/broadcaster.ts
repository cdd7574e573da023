// Public broadcasts (trades, depth, ticker, klines) without holding the event loop: a burst of trades to thousands
// of subscribers (one sweeping order makes 50 trades; 50 × 14,000 sockets is 700,000 sends) went out in one
// synchronous loop, seconds long, during which the process answered no HTTP request, read no pong, no broker or
// database reply (and then judged its peers by clocks that had run on). Sends now go out at most SENDS_PER_TURN per
// turn of the event loop; the rest waits in one FIFO of broadcasts, drained on the next turns (setImmediate, so
// I/O is served between them).
//
// Order: every public message goes through this FIFO while it is not empty, so each connection gets its public
// messages in the order they were made. A broadcast goes to the members that joined before it was made and are
// still members when their turn comes (a subscriber that joined later got a snapshot that already holds it; one
// that left gets nothing more). Private events and answers do not pass here: they are sent at once, as before.

import type { Connection } from './connection.js';

/** Members of a channel, with the stamp of the broadcast sequence at which each joined. */
export type Members = Map<Connection, number>;

/** Sends per turn of the event loop: about 20–50 ms of work on this machine's cores. */
export const SENDS_PER_TURN = 2_000;

interface Pending {
  readonly members: Members;
  readonly data: Buffer;
  /** Only members that joined at or before this stamp. */
  readonly stamp: number;
  readonly next: IterableIterator<[Connection, number]>;
}

export class Broadcaster {
  private readonly queue: Pending[] = [];
  private head = 0;
  private stamp = 0;
  private sentThisTurn = 0;
  private turnScheduled = false;

  constructor(private readonly perTurn: number = SENDS_PER_TURN) {}

  /** The stamp a new member gets: it receives broadcasts made after it joined. */
  join(members: Members, c: Connection): void {
    members.set(c, this.stamp);
  }

  /** Sends `data` to the members (now or over the next turns); returns how many members it was made for. */
  broadcast(members: Members, data: Buffer): number {
    if (members.size === 0) return 0;
    this.queue.push({ members, data, stamp: this.stamp++, next: members.entries() });
    this.drain();
    return members.size;
  }

  /** Nothing is waiting (graceful shutdown waits for this before it closes the sockets). */
  get idle(): boolean {
    return this.head === this.queue.length;
  }

  /** Broadcasts waiting for a turn (for tests and the shutdown). */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  private drain(): void {
    while (this.head < this.queue.length && this.sentThisTurn < this.perTurn) {
      const p = this.queue[this.head] as Pending;
      let done = true;
      for (let r = p.next.next(); !r.done; r = p.next.next()) {
        const [c, joined] = r.value;
        if (joined > p.stamp) continue;
        c.send(p.data);
        if (++this.sentThisTurn >= this.perTurn) {
          done = false;
          break;
        }
      }
      if (!done) break;
      this.queue[this.head++] = undefined as unknown as Pending;
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
      } else if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
        // A queue that never empties (a fan-out always behind) drops its sent slots instead of growing forever.
        this.queue.splice(0, this.head);
        this.head = 0;
      }
    }
    this.scheduleTurn();
  }

  private scheduleTurn(): void {
    if (this.turnScheduled || this.sentThisTurn === 0) return;
    this.turnScheduled = true;
    setImmediate(() => {
      this.turnScheduled = false;
      this.sentThisTurn = 0;
      this.drain();
    });
  }
}
