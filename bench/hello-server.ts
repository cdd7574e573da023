// The baseline for bench:http: a bare Fastify server with one JSON route of
// the same path and answer shape as create_order, and nothing behind it.

import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/api/v1/create_order', async (_req, reply) =>
  reply
    .code(202)
    .send({ code: 0, msg: 'ok', data: { order_id: 1, cid: null, order_status: 'ACCEPTED', accepted_at: 0 } }),
);
app.get('/healthz', async () => ({ code: 0, msg: 'ok', data: { status: 'alive' } }));
await app.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1' });
process.stdout.write('ready\n');
