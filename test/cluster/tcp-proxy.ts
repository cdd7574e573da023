// A TCP proxy the cluster tests put between a gateway and NATS, to take the broker away from that one gateway (every
// connection cut, new ones refused) and give it back, while the NATS server itself keeps serving everyone else. And
// between an engine and PostgreSQL, to cut a connection just after it sent a batch's statement (found by a value it
// carries, e.g. an order's cid): the server commits, the client never hears so; or to drop the chunk holding a
// statement and cut every connection (cutOn): the statement never reaches the server.

import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Cuts every connection through the proxy and refuses new ones until restore(). */
  cut(): void;
  restore(): void;
  /**
   * The next connection whose client sends a chunk containing `marker` (e.g. a cid): the chunk goes through, the
   * server's answer is withheld, and the connection is cut `afterMs` later. Resolves when it was cut.
   */
  cutAfter(marker: string, afterMs: number): Promise<void>;
  /**
   * The next chunk a client sends containing `marker` is dropped (the server never sees it), and then it is as cut():
   * every connection cut, new ones refused until restore(). Resolves when it happened.
   */
  cutOn(marker: string): Promise<void>;
  close(): Promise<void>;
}

export async function tcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let refusing = false;
  let trap: { marker: string; afterMs: number; done: () => void } | null = null;
  let drop: { marker: string; done: () => void } | null = null;
  const cutAll = () => {
    refusing = true;
    for (const s of sockets) s.destroy();
  };
  const server: Server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    let withheld = false;
    client.on('data', (d: Buffer) => {
      const dr = drop;
      if (dr !== null && d.includes(dr.marker)) {
        drop = null;
        cutAll();
        dr.done();
        return;
      }
      upstream.write(d);
      const t = trap;
      if (t === null || !d.includes(t.marker)) return;
      trap = null;
      withheld = true;
      setTimeout(() => {
        client.destroy();
        upstream.destroy();
        t.done();
      }, t.afterMs);
    });
    upstream.on('data', (d: Buffer) => {
      if (!withheld) client.write(d);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    port,
    cut: cutAll,
    restore() {
      refusing = false;
    },
    cutAfter: (marker, afterMs) => new Promise<void>((done) => (trap = { marker, afterMs, done })),
    cutOn: (marker) => new Promise<void>((done) => (drop = { marker, done })),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A proxy in front of the server a database URL names (port 5432 when it names none), and the URL through it. */
export async function databaseViaProxy(url: string): Promise<{ proxy: TcpProxy; url: string }> {
  const direct = new URL(url);
  const proxy = await tcpProxy(direct.hostname, Number(direct.port || 5432));
  const via = new URL(url);
  via.hostname = '127.0.0.1';
  via.port = String(proxy.port);
  return { proxy, url: via.toString() };
}
