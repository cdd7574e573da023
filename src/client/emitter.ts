// TypedEmitter: compiler-checked events and listener arguments, plus promises of the next matching emission.
//
// A pending nextEvent has a timeout and fails when the owner calls rejectWaiters() (e.g. on close).
//
// Unlike node:events, an 'error' event with no listener is dropped instead of thrown (a reconnecting client meets
// many connection errors); a listener that throws propagates to the emitter's caller, as in node:events.

/** Event name -> listener argument tuple. */
export type EventMap<E> = { [K in keyof E]: unknown[] };
export type Listener<A extends unknown[]> = (...args: A) => void;

export class TypedEmitter<E extends EventMap<E>> {
  private readonly listeners = new Map<keyof E, Array<Listener<never[]>>>();
  private readonly waiters = new Set<(err: Error) => void>();

  /** Timeout of nextEvent when none is given. */
  protected defaultTimeoutMs = 10_000;

  on<K extends keyof E>(event: K, fn: Listener<E[K]>): this {
    const list = this.listeners.get(event) ?? [];
    list.push(fn as unknown as Listener<never[]>);
    this.listeners.set(event, list);
    return this;
  }

  once<K extends keyof E>(event: K, fn: Listener<E[K]>): this {
    const wrapper: Listener<E[K]> = (...args) => {
      this.off(event, wrapper);
      fn(...args);
    };
    return this.on(event, wrapper);
  }

  off<K extends keyof E>(event: K, fn: Listener<E[K]>): this {
    const list = this.listeners.get(event);
    if (list === undefined) return this;
    const i = list.indexOf(fn as unknown as Listener<never[]>);
    if (i >= 0) list.splice(i, 1);
    return this;
  }

  listenerCount(event: keyof E): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  /**
   * The arguments of the next emission of `event` (from now on) that `accept` takes (all when omitted). Rejects
   * after `timeoutMs` or when the owner calls rejectWaiters().
   */
  nextEvent<K extends keyof E>(event: K, timeoutMs?: number, accept?: (...args: E[K]) => boolean): Promise<E[K]> {
    const ms = timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<E[K]>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        this.off(event, fn);
        this.waiters.delete(fail);
      };
      const fail = (err: Error) => {
        finish();
        reject(err);
      };
      const fn: Listener<E[K]> = (...args) => {
        if (accept !== undefined && !accept(...args)) return;
        finish();
        resolve(args);
      };
      const timer = setTimeout(() => fail(new Error(`timed out after ${ms} ms waiting for "${String(event)}"`)), ms);
      this.waiters.add(fail);
      this.on(event, fn);
    });
  }

  protected emit<K extends keyof E>(event: K, ...args: E[K]): boolean {
    const list = this.listeners.get(event);
    if (list === undefined || list.length === 0) return false;
    // A copy: listeners may remove themselves (once, nextEvent) while we iterate.
    for (const fn of [...list]) (fn as unknown as Listener<E[K]>)(...args);
    return true;
  }

  /** Fails every pending nextEvent with `err`. */
  protected rejectWaiters(err: Error): void {
    for (const fail of [...this.waiters]) fail(err);
  }
}
