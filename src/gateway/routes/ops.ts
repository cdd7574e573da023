// Operations: /healthz (process alive), /readyz (store and engine reachable,
// recovery done; on a cluster gateway also which engine leads, and "no engine
// leader" when none was heard within the bound), /metrics (Prometheus text).

import type { FastifyInstance } from 'fastify';
import { type GatewayContext, ok } from '../context.js';

export function opsRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/healthz', async (_req, reply) => reply.send(ok({ status: 'alive' })));

  app.get('/readyz', async (_req, reply) => {
    const problems: string[] = [];
    if (!ctx.engine.ready) problems.push(ctx.engine.unavailable ?? 'engine not ready');
    if (!ctx.engine.storageOk) problems.push('engine cannot commit to storage');
    const leadership = ctx.engine.leadership;
    if (leadership !== undefined && leadership.problem !== null) problems.push(leadership.problem);
    try {
      await ctx.store.ping();
    } catch (e) {
      problems.push(`storage: ${(e as Error).message}`);
    }
    if (problems.length > 0) return reply.code(503).send({ code: 5001, msg: problems.join('; '), data: null });
    const ready = { status: 'ready', store: ctx.store.kind, in_flight: ctx.engine.inFlight };
    const l = leadership?.leader;
    if (l === undefined || l === null) return reply.send(ok(ready));
    return reply.send(ok({ ...ready, leader: { node: l.node, epoch: l.epoch, since: l.since } }));
  });

  app.get('/metrics', async (_req, reply) => {
    ctx.metrics.queueDepth.set(ctx.engine.inFlight);
    const text = await ctx.metrics.registry.metrics();
    return reply.header('content-type', ctx.metrics.registry.contentType).send(text);
  });
}
