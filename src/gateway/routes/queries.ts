// Query routes: the user's persisted orders, fills, balances and event log.

import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';
import { type GatewayContext, ok, requireUser, sendRaw, unwrap } from '../context.js';
import { formatBalance, formatOrder, formatUserTrade, renderPrivateEvent } from '../../wire/format.js';
import {
  parseCidQuery,
  parseEventsQuery,
  parseOrderIdParam,
  parseOrdersQuery,
  parseTradesQuery,
} from '../../orders/order-request.js';

export function queryRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.get<{ Params: { order_id: string } }>('/api/v1/order/:order_id', async (req, reply) => {
    const user = await requireUser(ctx, req, 'query');
    const id = unwrap(parseOrderIdParam(req.params.order_id));
    const o = await ctx.store.getOrder(user.userId, id);
    if (o === null) throw new ApiError(4001, 'order not found');
    return reply.send(ok(formatOrder(o, ctx.market)));
  });

  // By client order id: the newest of the user's orders with it (a cid is unique among open orders only). How a
  // client finds out what became of an order whose answer was lost or "outcome unknown" (docs/api.md).
  app.get('/api/v1/order', async (req, reply) => {
    const user = await requireUser(ctx, req, 'query');
    const cid = unwrap(parseCidQuery(req.query));
    const o = await ctx.store.getOrderByCid(user.userId, cid);
    if (o === null) throw new ApiError(4001, `no order with cid "${cid}"`);
    return reply.send(ok(formatOrder(o, ctx.market)));
  });

  app.get('/api/v1/orders', async (req, reply) => {
    const user = await requireUser(ctx, req, 'query');
    const q = unwrap(parseOrdersQuery(req.query, ctx.market));
    const rows = await ctx.store.listOrders({ userId: user.userId, ...q });
    const last = rows[rows.length - 1];
    return reply.send(
      ok({
        orders: rows.map((o) => formatOrder(o, ctx.market)),
        next_cursor: rows.length === q.limit && last !== undefined ? last.orderId : null,
      }),
    );
  });

  app.get('/api/v1/trades', async (req, reply) => {
    const user = await requireUser(ctx, req, 'query');
    const q = unwrap(parseTradesQuery(req.query, ctx.market));
    const rows = await ctx.store.listTrades({ userId: user.userId, ...q });
    const last = rows[rows.length - 1];
    // The store never splits the two sides of a self-trade, so a page may hold fewer rows than
    // the limit while more remain: ask whether anything older exists.
    const more =
      last !== undefined &&
      (await ctx.store.listTrades({ userId: user.userId, ...q, cursor: last.tradeId, limit: 1 })).length > 0;
    return reply.send(
      ok({
        trades: rows.map((t) => formatUserTrade(t, ctx.market)),
        next_cursor: more ? last.tradeId : null,
      }),
    );
  });

  app.get('/api/v1/balances', async (req, reply) => {
    const user = await requireUser(ctx, req, 'query');
    const rows = await ctx.store.getBalances(user.userId);
    return reply.send(ok({ balances: rows.map((b) => formatBalance(b, ctx.market)) }));
  });

  app.get('/api/v1/events', async (req, reply) => {
    const user = await requireUser(ctx, req, 'query');
    const q = unwrap(parseEventsQuery(req.query));
    // Two reads that pruning may fall between: the oldest seq first, then the page. Pruning only removes the
    // oldest rows and always keeps a user's newest, so the page itself says whether history is missing: its first
    // event is not after + 1. That keeps `events`, `oldest_seq` and `resync` of one answer consistent.
    const oldestBefore = await ctx.store.oldestEventSeq(user.userId);
    const rows = await ctx.store.listEvents(user.userId, q.after, q.limit);
    const first = rows[0]?.seq;
    const resync = first !== undefined ? first > q.after + 1 : oldestBefore !== null && q.after + 1 < oldestBefore;
    const oldest = first !== undefined && resync ? first : oldestBefore;
    // Each event rendered to the exact JSON text a connection receives, spliced in without re-encoding.
    const texts = rows.map((r) => renderPrivateEvent(r.line, r.seq, ctx.market).text);
    const json =
      `{"code":0,"msg":"ok","data":{"events":[${texts.join(',')}],` +
      `"oldest_seq":${oldest ?? 'null'},"resync":${resync}}}`;
    return sendRaw(reply, 200, json);
  });
}
