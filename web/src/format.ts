// Display helpers: times, and a short text of a private event for the live log.

import type { PrivateEvent } from '../../src/client/types.js';

export function clock(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export function eventSummary(e: PrivateEvent): string {
  switch (e.type) {
    case 'order.update': {
      const d = e.data;
      return `order ${d.order_id} ${d.symbol} ${d.side} ${d.status} filled ${d.filled_qty}${d.reject_reason !== undefined ? ` (${d.reject_reason})` : ''}`;
    }
    case 'trade':
      return `fill ${e.data.side} ${e.data.qty} ${e.data.symbol} @ ${e.data.price} (${e.data.role}, order ${e.data.order_id})`;
    case 'balance.update':
      return `${e.data.asset} ${e.data.delta} (${e.data.reason}) avail ${e.data.avail} frozen ${e.data.frozen}`;
  }
}
