// State checks that must hold after every command: conservation per asset,
// frozen = open orders' locks, nothing negative, book uncrossed and consistent.
// Returns a list of violations (empty when all hold); tests call it after each command.

import type { Engine } from './engine.js';
import { type Int, big } from './int64.js';
import type { Level } from './orderbook.js';

export function checkInvariants(engine: Engine): string[] {
  const errors: string[] = [];
  const slots = engine.supply.length;
  const totals = new Array<bigint>(slots).fill(0n);
  const locks = new Map<string, bigint>();

  // 2. frozen = Σ locks of open orders; order fields sane.
  for (const [id, o] of engine.orders) {
    if (o.id !== id) errors.push(`order map key ${id} holds order ${o.id}`);
    if (o.level === null) errors.push(`open order ${id} is not in the book`);
    if (!(o.remaining > 0)) errors.push(`open order ${id} has remaining ${o.remaining}`);
    if (o.lock < 0) errors.push(`order ${id} lock ${o.lock} < 0`);
    const s = engine.symbols[o.symbolId];
    if (s === undefined) {
      errors.push(`order ${id} on unknown symbol`);
      continue;
    }
    const asset = o.side === 'BUY' ? s.quote : s.base;
    const key = `${o.userId}:${asset}`;
    locks.set(key, (locks.get(key) ?? 0n) + big(o.lock));
    if (o.side === 'SELL' && o.lock !== o.remaining)
      errors.push(`sell order ${id} lock ${o.lock} != remaining ${o.remaining}`);
    if (o.side === 'BUY' && big(o.lock) < big(s.cost(o.price, o.remaining))) {
      errors.push(`buy order ${id} lock ${o.lock} < cost of remaining`);
    }
  }

  for (const acc of engine.accounts.values()) {
    for (let a = 0; a < slots; a++) {
      const avail = acc.avail[a] as Int;
      const frozen = acc.frozen[a] as Int;
      // 3. nothing negative.
      if (avail < 0) errors.push(`user ${acc.userId} asset ${a} avail ${avail} < 0`);
      if (frozen < 0) errors.push(`user ${acc.userId} asset ${a} frozen ${frozen} < 0`);
      totals[a] = (totals[a] as bigint) + big(avail) + big(frozen);
      const lock = locks.get(`${acc.userId}:${a}`) ?? 0n;
      if (big(frozen) !== lock) errors.push(`user ${acc.userId} asset ${a} frozen ${frozen} != open locks ${lock}`);
      locks.delete(`${acc.userId}:${a}`);
    }
  }
  for (const key of locks.keys()) errors.push(`locks for ${key} without an account`);

  // 1. conservation per asset.
  for (let a = 0; a < slots; a++) {
    if (engine.assets[a] === undefined) continue;
    if (totals[a] !== big(engine.supply[a] as Int)) {
      errors.push(`asset ${a}: balances sum ${totals[a]} != deposits - withdrawals ${engine.supply[a]}`);
    }
  }

  // 4. book not crossed; levels sorted, consistent and non-empty.
  let booked = 0;
  for (const s of engine.symbols) {
    if (s === undefined) continue;
    for (const side of [s.book.bids, s.book.asks]) {
      for (const e of side.check()) errors.push(`${s.cfg.name} ${e}`);
      let prev: Level | undefined;
      let levels = 0;
      for (const level of side.levelsFromBest()) {
        levels++;
        if (prev !== undefined && !side.better(prev.price, level.price)) {
          errors.push(`${s.cfg.name} ${side.side} levels out of order at ${level.price}`);
        }
        if (side.find(level.price) !== level) errors.push(`${s.cfg.name} level ${level.price} not indexed`);
        if (level.side !== side.side) errors.push(`${s.cfg.name} level ${level.price} on the wrong side`);
        let sum = 0n;
        let count = 0;
        for (let o = level.head; o !== null; o = o.next) {
          sum += big(o.remaining);
          count++;
          if (o.level !== level || engine.orders.get(o.id) !== o) errors.push(`order ${o.id} linked wrongly`);
          if (o.price !== level.price || o.side !== side.side) errors.push(`order ${o.id} in the wrong level`);
        }
        if (count === 0 || count !== level.count || sum !== big(level.total)) {
          errors.push(`${s.cfg.name} level ${level.price}: count ${level.count}/${count}, total ${level.total}/${sum}`);
        }
        booked += count;
        prev = level;
      }
      if (levels !== side.size) errors.push(`${s.cfg.name} ${side.side} holds ${levels} levels, size ${side.size}`);
      if (side.best() !== side.levelsFromBest().next().value) errors.push(`${s.cfg.name} ${side.side} best is stale`);
    }
    const bid = s.book.bids.best();
    const ask = s.book.asks.best();
    if (bid !== undefined && ask !== undefined && !(bid.price < ask.price)) {
      errors.push(`${s.cfg.name} book crossed: bid ${bid.price} >= ask ${ask.price}`);
    }
  }
  if (booked !== engine.orders.size) errors.push(`book holds ${booked} orders, order map ${engine.orders.size}`);
  return errors;
}
