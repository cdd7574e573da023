// Subscriptions: a PushClient's public channels (replayed after reconnects) and one LocalDepthBook per depth channel.

import { LocalDepthBook } from './depth-book.js';
import type {
  Channel,
  DepthSnapshotMessage,
  DepthUpdateMessage,
  SubscribeMessage,
  UnsubscribeMessage,
} from './types.js';

export interface Subscription {
  readonly channel: Channel;
  readonly symbol: string;
  /**
   * Depth only: the top-N asked for (the server's default when omitted). The server rounds it up to its next fixed
   * size (`subscribed.levels` says which), and the local book holds what is served.
   */
  readonly levels?: number;
}

/** What a depth message did to the tracked book. */
export type DepthOutcome =
  /** No depth subscription of ours for this symbol (or an update while awaiting a snapshot): nothing tracked. */
  | { kind: 'ignored' }
  | { kind: 'applied'; book: LocalDepthBook }
  /** Gap: the book is out of sync until a new snapshot; resubscribe with `resubscribeMessages`. */
  | { kind: 'gap'; book: LocalDepthBook; expected: number | null; got: number };

export const subscriptionKey = (channel: string, symbol: string): string => `${channel}:${symbol}`;

export class Subscriptions {
  private readonly subs = new Map<string, Subscription>();
  private readonly books = new Map<string, LocalDepthBook>();

  /**
   * Records a subscription (replacing one of the same channel and symbol) and answers the messages to send. A depth
   * subscription that replaces another is unsubscribed first, so that one stream (and a fresh snapshot) feeds the
   * new book whatever the server does with two depth subscriptions of one symbol.
   */
  add(sub: Subscription): Array<SubscribeMessage | UnsubscribeMessage> {
    const key = subscriptionKey(sub.channel, sub.symbol);
    const replaced = this.subs.has(key);
    this.subs.set(key, sub);
    if (sub.channel !== 'depth') return [subscribeMessage(sub)];
    this.books.set(sub.symbol, new LocalDepthBook(sub.symbol));
    const sub1 = subscribeMessage(sub);
    return replaced ? [{ type: 'unsubscribe', channel: 'depth', symbol: sub.symbol }, sub1] : [sub1];
  }

  /** Forgets a subscription (and its book); answers the unsubscribe message. */
  remove(channel: Channel, symbol: string): UnsubscribeMessage {
    this.subs.delete(subscriptionKey(channel, symbol));
    if (channel === 'depth') this.books.delete(symbol);
    return { type: 'unsubscribe', channel, symbol };
  }

  has(channel: Channel, symbol: string): boolean {
    return this.subs.has(subscriptionKey(channel, symbol));
  }

  list(): Subscription[] {
    return [...this.subs.values()];
  }

  /** The subscribe messages to send on a new connection. */
  subscribeMessages(): SubscribeMessage[] {
    return this.list().map(subscribeMessage);
  }

  book(symbol: string): LocalDepthBook | undefined {
    return this.books.get(symbol);
  }

  /** Every book out of sync (the connection is gone; the snapshot after resubscribing repairs them). */
  invalidateBooks(): void {
    for (const b of this.books.values()) b.invalidate();
  }

  onSnapshot(msg: DepthSnapshotMessage): DepthOutcome {
    const book = this.books.get(msg.symbol);
    if (book === undefined) return { kind: 'ignored' };
    book.applySnapshot(msg);
    return { kind: 'applied', book };
  }

  onUpdate(msg: DepthUpdateMessage): DepthOutcome {
    const book = this.books.get(msg.symbol);
    // Out of sync: a resubscribe is already under way; its snapshot comes after these stale updates.
    if (book === undefined || !book.synced) return { kind: 'ignored' };
    const expected = book.lastSeq === null ? null : book.lastSeq + 1;
    if (book.applyUpdate(msg)) return { kind: 'applied', book };
    return { kind: 'gap', book, expected, got: msg.seq };
  }

  /** Unsubscribe then subscribe again: the server answers with a fresh snapshot whatever its duplicate policy. */
  resubscribeMessages(symbol: string): [UnsubscribeMessage, SubscribeMessage] | null {
    const sub = this.subs.get(subscriptionKey('depth', symbol));
    if (sub === undefined) return null;
    return [{ type: 'unsubscribe', channel: 'depth', symbol }, subscribeMessage(sub)];
  }
}

function subscribeMessage(s: Subscription): SubscribeMessage {
  const m: SubscribeMessage = { type: 'subscribe', channel: s.channel, symbol: s.symbol };
  if (s.levels !== undefined) m.levels = s.levels;
  return m;
}
