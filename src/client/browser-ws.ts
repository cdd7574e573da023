// Stand-in for the `ws` package in browsers: the subset of its API that ws-client.ts uses (on/once for open,
// message, error, close; send, close, terminate, readyState), over the platform's WebSocket. The package's
// `browser` field maps `ws` here, so bundlers never pull in the Node library. Text frames arrive as strings;
// protocol ping/pong frames are invisible in browsers (the client's own `ping` message keeps the heartbeat).

/** The platform WebSocket, as far as it is used here (typed locally: the client compiles without the DOM lib). */
interface PlatformSocket {
  readonly readyState: number;
  binaryType: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (ev: PlatformEvent) => void): void;
}
interface PlatformEvent {
  data?: unknown;
  code?: number;
  reason?: string;
  message?: string;
}
type PlatformSocketClass = new (url: string) => PlatformSocket;

type Handler = (...args: never[]) => void;

export default class BrowserWebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  private readonly socket: PlatformSocket;
  private readonly handlers = new Map<string, Array<{ fn: Handler; once: boolean }>>();
  private terminated = false;

  /** `options` (the `ws` client options) do not apply in a browser and are ignored. */
  constructor(url: string, _options?: unknown) {
    const Platform = (globalThis as { WebSocket?: PlatformSocketClass }).WebSocket;
    if (Platform === undefined) throw new Error('no WebSocket in this environment: in Node, use the ws package');
    this.socket = new Platform(url);
    this.socket.binaryType = 'arraybuffer';
    this.socket.addEventListener('open', () => this.fire('open'));
    this.socket.addEventListener('message', (ev) => {
      const text = typeof ev.data === 'string';
      this.fire('message', text ? ev.data : new Uint8Array(ev.data as ArrayBuffer), !text);
    });
    this.socket.addEventListener('error', (ev) => this.fire('error', new Error(ev.message ?? 'WebSocket error')));
    this.socket.addEventListener('close', (ev) => {
      if (!this.terminated) this.fire('close', ev.code ?? 1006, ev.reason ?? '');
    });
  }

  get readyState(): number {
    return this.terminated ? BrowserWebSocket.CLOSED : this.socket.readyState;
  }

  on(event: string, fn: Handler): this {
    return this.add(event, fn, false);
  }

  once(event: string, fn: Handler): this {
    return this.add(event, fn, true);
  }

  send(data: string): void {
    this.socket.send(data);
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }

  /** Drops the connection at once: `close` is reported now (code 1006), as `ws` does for terminate(). */
  terminate(): void {
    if (this.terminated) return;
    this.socket.close();
    this.terminated = true;
    this.fire('close', 1006, '');
  }

  private add(event: string, fn: Handler, once: boolean): this {
    const list = this.handlers.get(event) ?? [];
    list.push({ fn, once });
    this.handlers.set(event, list);
    return this;
  }

  private fire(event: string, ...args: unknown[]): void {
    const list = this.handlers.get(event);
    if (list === undefined) return;
    this.handlers.set(
      event,
      list.filter((h) => !h.once),
    );
    for (const h of list) (h.fn as (...a: unknown[]) => void)(...args);
  }
}
