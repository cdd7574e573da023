// The order form: LIMIT (GTC, IOC, FOK, POST_ONLY) or MARKET by base quantity or by quote amount, on the selected
// symbol. Plain labelled form controls, so it is usable from the keyboard (Tab, arrows, Enter submits). Whatever
// the server answers is shown as is: the accepted order id, or its error message and code.

import { useState } from 'preact/hooks';
import type { CreateOrderRequest, OrderType, Side, TimeInForce } from '../../../src/client/types.js';
import { type AccountSession, errorText } from './session.js';

const TIFS: TimeInForce[] = ['GTC', 'IOC', 'FOK', 'POST_ONLY'];

export function OrderForm({ session, symbol }: { session: AccountSession; symbol: string | null }) {
  const [side, setSide] = useState<Side>('BUY');
  const [type, setType] = useState<OrderType>('LIMIT');
  const [tif, setTif] = useState<TimeInForce>('GTC');
  const [by, setBy] = useState<'qty' | 'quote_qty'>('qty');
  const [price, setPrice] = useState('');
  const [amount, setAmount] = useState('');
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (symbol === null) return;
    const req: CreateOrderRequest = { symbol, side, order_type: type };
    if (type === 'LIMIT') {
      req.price = price.trim();
      req.time_in_force = tif;
      req.qty = amount.trim();
    } else if (by === 'quote_qty') req.quote_qty = amount.trim();
    else req.qty = amount.trim();
    setBusy(true);
    try {
      const id = await session.place(req);
      setResult({ ok: true, text: `order ${id} accepted` });
    } catch (err) {
      setResult({ ok: false, text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  const v = (set: (s: string) => void) => (e: Event) => set((e.currentTarget as HTMLInputElement).value);
  return (
    <section class="panel order-form" aria-label="Order form">
      <h2>New order {symbol !== null && <span class="muted small">{symbol}</span>}</h2>
      <form data-testid="order-form" onSubmit={(e) => void submit(e)}>
        <fieldset class="sides">
          <legend>Side</legend>
          {(['BUY', 'SELL'] as const).map((s) => (
            <label class={s === 'BUY' ? 'bid' : 'ask'}>
              <input type="radio" name="side" value={s} checked={side === s} onChange={() => setSide(s)} /> {s}
            </label>
          ))}
        </fieldset>
        <label>
          Type
          <select name="order_type" value={type} onChange={v((x) => setType(x as OrderType))}>
            <option value="LIMIT">LIMIT</option>
            <option value="MARKET">MARKET</option>
          </select>
        </label>
        {type === 'LIMIT' ? (
          <>
            <label>
              Time in force
              <select name="time_in_force" value={tif} onChange={v((x) => setTif(x as TimeInForce))}>
                {TIFS.map((t) => (
                  <option value={t}>{t}</option>
                ))}
              </select>
            </label>
            <label>
              Price
              <input name="price" inputMode="decimal" autocomplete="off" value={price} onInput={v(setPrice)} />
            </label>
          </>
        ) : (
          <label>
            Amount in
            <select name="amount_by" value={by} onChange={v((x) => setBy(x as 'qty' | 'quote_qty'))}>
              <option value="qty">base quantity</option>
              <option value="quote_qty">quote amount (BUY)</option>
            </select>
          </label>
        )}
        <label>
          {type === 'MARKET' && by === 'quote_qty' ? 'Quote amount' : 'Quantity'}
          <input name="amount" inputMode="decimal" autocomplete="off" value={amount} onInput={v(setAmount)} />
        </label>
        <button type="submit" class={side === 'BUY' ? 'buy' : 'sell'} disabled={busy || symbol === null}>
          {side} {symbol ?? ''}
        </button>
      </form>
      {result !== null && (
        <p class={result.ok ? 'ok' : 'error'} role={result.ok ? 'status' : 'alert'} data-testid="order-result">
          {result.text}
        </p>
      )}
    </section>
  );
}
