// Account panels: sign-in (API key + secret, or a user id in development-auth mode), connection state, balances,
// open orders with cancel, my fills and the live log of private events with their seq.

import { useState } from 'preact/hooks';
import { clock } from '../format.js';
import { useStore } from '../store.js';
import { type AccountSession, type SignIn, errorText } from './session.js';

export function SignInForm({ onSignIn }: { onSignIn: (how: SignIn) => Promise<void> }) {
  const [mode, setMode] = useState<'key' | 'dev'>('key');
  const [apiKey, setApiKey] = useState('');
  const [apiSecret, setApiSecret] = useState('');
  const [userId, setUserId] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mode === 'key') await onSignIn({ kind: 'key', apiKey: apiKey.trim(), apiSecret: apiSecret.trim() });
      else {
        const id = Number(userId.trim());
        if (!Number.isSafeInteger(id) || id <= 0) throw new Error('a user id is a positive integer');
        await onSignIn({ kind: 'dev', userId: id });
      }
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const v = (set: (s: string) => void) => (e: Event) => set((e.currentTarget as HTMLInputElement).value);
  return (
    <section class="panel sign-in" aria-label="Sign in">
      <h2>Sign in</h2>
      <div class="tabs" role="group" aria-label="Sign-in method">
        <button type="button" aria-pressed={mode === 'key'} onClick={() => setMode('key')}>
          API key
        </button>
        <button type="button" aria-pressed={mode === 'dev'} onClick={() => setMode('dev')}>
          User id (development auth)
        </button>
      </div>
      <form data-testid="sign-in-form" onSubmit={(e) => void submit(e)}>
        {mode === 'key' ? (
          <>
            <label>
              API key
              <input name="api_key" autocomplete="username" value={apiKey} onInput={v(setApiKey)} />
            </label>
            <label>
              API secret
              <input
                name="api_secret"
                type="password"
                autocomplete="current-password"
                value={apiSecret}
                onInput={v(setApiSecret)}
              />
            </label>
            <p class="muted small">The secret signs the token request in this page and is never sent.</p>
          </>
        ) : (
          <label>
            User id
            <input name="user_id" inputMode="numeric" value={userId} onInput={v(setUserId)} />
          </label>
        )}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      {error !== null && (
        <p class="error" role="alert" data-testid="sign-in-error">
          {error}
        </p>
      )}
    </section>
  );
}

export function ConnectionState({ session }: { session: AccountSession }) {
  const s = useStore(session.state);
  return (
    <p class="connection" data-testid="account-connection" data-last-seq={s.lastSeq}>
      user {s.userId} · <span data-testid="connection-state">{s.connection}</span> · last seq {s.lastSeq}
      {s.error !== null && <span class="error"> · {s.error}</span>}
    </p>
  );
}

export function Balances({ session }: { session: AccountSession }) {
  const s = useStore(session.state);
  return (
    <section class="panel balances" aria-label="Balances">
      <h2>Balances</h2>
      <table data-testid="balances">
        <thead>
          <tr>
            <th>Asset</th>
            <th>Available</th>
            <th>Frozen</th>
            <th>Total</th>
          </tr>
        </thead>
        <tbody>
          {s.balances.map((b) => (
            <tr data-asset={b.asset}>
              <td>{b.asset}</td>
              <td data-field="avail">{b.avail}</td>
              <td data-field="frozen">{b.frozen}</td>
              <td data-field="total">{b.total}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function OpenOrders({ session }: { session: AccountSession }) {
  const s = useStore(session.state);
  const [msg, setMsg] = useState<string | null>(null);
  const cancel = async (id: number) => {
    try {
      setMsg(`order ${id}: ${await session.cancel(id)}`);
    } catch (e) {
      setMsg(errorText(e));
    }
  };
  return (
    <section class="panel open-orders" aria-label="Open orders">
      <h2>Open orders</h2>
      <table data-testid="open-orders">
        <thead>
          <tr>
            <th>Id</th>
            <th>Symbol</th>
            <th>Side</th>
            <th>Price</th>
            <th>Qty</th>
            <th>Filled</th>
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {s.openOrders.map((o) => (
            <tr data-order-id={o.order_id} data-status={o.status}>
              <td>{o.order_id}</td>
              <td>{o.symbol}</td>
              <td class={o.side === 'BUY' ? 'bid' : 'ask'}>{o.side}</td>
              <td>{o.price ?? 'MARKET'}</td>
              <td>{o.qty ?? o.quote_qty}</td>
              <td>{o.filled_qty}</td>
              <td>{o.status}</td>
              <td>
                <button type="button" onClick={() => void cancel(o.order_id)} aria-label={`cancel order ${o.order_id}`}>
                  Cancel
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {msg !== null && (
        <p class="muted small" role="status">
          {msg}
        </p>
      )}
    </section>
  );
}

export function Fills({ session }: { session: AccountSession }) {
  const s = useStore(session.state);
  return (
    <section class="panel fills" aria-label="My fills">
      <h2>My fills</h2>
      <table data-testid="fills">
        <thead>
          <tr>
            <th>Time</th>
            <th>Order</th>
            <th>Side</th>
            <th>Price</th>
            <th>Qty</th>
            <th>Fee</th>
            <th>Role</th>
          </tr>
        </thead>
        <tbody>
          {s.fills.map((f) => (
            <tr data-trade-id={f.trade_id} data-order-id={f.order_id}>
              <td class="muted">{clock(f.traded_at)}</td>
              <td>{f.order_id}</td>
              <td class={f.side === 'BUY' ? 'bid' : 'ask'}>{f.side}</td>
              <td>{f.price}</td>
              <td>{f.qty}</td>
              <td>
                {f.fee} {f.fee_asset}
              </td>
              <td>{f.role}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function EventLog({ session }: { session: AccountSession }) {
  const s = useStore(session.state);
  return (
    <section class="panel event-log" aria-label="Private events">
      <h2>Live events</h2>
      <ol data-testid="event-log" aria-live="polite">
        {s.events.map((e) => (
          <li data-seq={e.seq} data-type={e.type}>
            <span class="seq">#{e.seq}</span> <span class="type">{e.type}</span> {e.text}
          </li>
        ))}
      </ol>
    </section>
  );
}
