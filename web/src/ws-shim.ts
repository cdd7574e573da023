// The browser's stand-in for the `ws` package: the bundler maps `import WebSocket from 'ws'` in src/client/ to this
// module, so the project's PushClient runs unchanged in a page. It wraps the browser WebSocket in the small part of
// the `ws` API the client uses: on/once for open, message (text, isBinary), error, close (code, reason), send,
// close, terminate and readyState. A browser answers protocol pings itself, so 'ping'/'pong' never fire here.

type Listener = (...args: never[]) => void;

export type RawData = string;
export type ClientOptions = Record<string, unknown>;

export default class WebSocketShim {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  private readonly socket: WebSocket;
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(url: string, _options?: ClientOptions) {
    this.socket = new WebSocket(url);
    this.socket.addEventListener('open', () => this.emit('open'));
    this.socket.addEventListener('message', (ev: MessageEvent) => {
      const text = typeof ev.data === 'string' ? ev.data : null;
      this.emit('message', text ?? '', text === null);
    });
    this.socket.addEventListener('error', () => this.emit('error', new Error('WebSocket connection error')));
    this.socket.addEventListener('close', (ev: CloseEvent) => this.emit('close', ev.code, ev.reason));
  }

  get readyState(): number {
    return this.socket.readyState;
  }

  on(event: string, fn: Listener): this {
    let set = this.listeners.get(event);
    if (set === undefined) this.listeners.set(event, (set = new Set()));
    set.add(fn);
    return this;
  }

  once(event: string, fn: Listener): this {
    const wrapped = ((...args: never[]) => {
      this.listeners.get(event)?.delete(wrapped);
      fn(...args);
    }) as Listener;
    return this.on(event, wrapped);
  }

  send(text: string): void {
    this.socket.send(text);
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }

  /** No abrupt close in a browser: a normal close, after which no reconnect races with this socket's events. */
  terminate(): void {
    this.socket.close();
  }

  private emit(event: string, ...args: unknown[]): void {
    for (const fn of [...(this.listeners.get(event) ?? [])]) (fn as (...a: unknown[]) => void)(...args);
  }
}
