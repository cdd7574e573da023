// Public market data (no auth): symbols, depth and ticker from the live mirror
// (updated right after matching), recent trades and candles from the store.

import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';
import { type GatewayContext, ok, unwrap } from '../context.js';
import {
  fmtAsset,
  fmtPrice,
  formatDepthLevel,
  formatKline,
  formatMarketTrade,
  formatSymbols,
} from '../../wire/format.js';
import {
  parseDepthQuery,
  parseKlinesQuery,
  parseMarketTradesQuery,
  parseTickerQuery,
} from '../../orders/order-request.js';
import { closeTimeOf } from '../../pipeline/candles.js';

export function publicRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  const mirror = (symbolId: number) => {
    const m = ctx.marketData.get(symbolId);
    if (m === undefined) throw new ApiError(1001, 'unknown symbol');
    return m;
  };

  app.get('/api/v1/symbols', async (_req, reply) => reply.send(ok(formatSymbols(ctx.market))));

  app.get('/api/v1/depth', async (req, reply) => {
    const q = unwrap(parseDepthQuery(req.query, ctx.market));
    const m = mirror(q.symbolId);
    const level = ([p, v]: [bigint | number, bigint | number]) => formatDepthLevel(q.symbolId, p, v, ctx.market);
    return reply.send(
      ok({
        symbol: ctx.market.symbol(q.symbolId).name,
        epoch: ctx.marketData.epoch,
        seq: m.seq,
        bids: m.top('BUY', q.levels).map(level),
        asks: m.top('SELL', q.levels).map(level),
      }),
    );
  });

  app.get('/api/v1/market/trades', async (req, reply) => {
    const q = unwrap(parseMarketTradesQuery(req.query, ctx.market));
    const rows = await ctx.store.marketTrades(q.symbolId, q.limit);
    return reply.send(ok({ trades: rows.map((t) => formatMarketTrade(t, ctx.market)) }));
  });

  // Candles with at least one trade, oldest first. A candle is closed once its interval has ended by the clock,
  // or when a newer one exists (no trade of the engine can land in it any more).
  app.get('/api/v1/klines', async (req, reply) => {
    const q = unwrap(parseKlinesQuery(req.query, ctx.market));
    const rows = await ctx.store.klines(q);
    const now = ctx.clock();
    const data = rows.map((k, i) => formatKline(k, i < rows.length - 1 || closeTimeOf(k) < now, ctx.market));
    return reply.send(ok(data));
  });

  app.get('/api/v1/ticker', async (req, reply) => {
    const q = unwrap(parseTickerQuery(req.query, ctx.market));
    const m = mirror(q.symbolId);
    const s = ctx.market.symbol(q.symbolId);
    const now = ctx.clock();
    const price = (v: bigint | number | null) => (v === null ? null : fmtPrice(v, s));
    return reply.send(
      ok({
        symbol: s.name,
        last: price(m.last),
        best_bid: price(m.best('BUY')),
        best_ask: price(m.best('SELL')),
        volume_24h: fmtAsset(m.volume24h(now), ctx.market.baseOf(s)),
        ts: now,
      }),
    );
  });
}
