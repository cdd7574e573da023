// The console's entry: market view (no login) and account view, switched by the URL hash (#market, #account),
// a symbol selector shared by both, and a light/dark theme (the system's by default, a toggle to override).

import { render } from 'preact';
import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { OrderForm } from './account/order-form.js';
import { AccountSession, type SignIn } from './account/session.js';
import { Balances, ConnectionState, EventLog, Fills, OpenOrders, SignInForm } from './account/views.js';
import { Candles } from './market/candles.js';
import { DepthChart } from './market/depth-chart.js';
import { MarketFeed } from './market/feed.js';
import { Ladder, RecentTrades, SymbolSelect, Ticker } from './market/views.js';
import { useStore } from './store.js';

type View = 'market' | 'account';

const viewOfHash = (): View => (location.hash.startsWith('#account') ? 'account' : 'market');

function systemTheme(): 'light' | 'dark' {
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

function App({ feed }: { feed: MarketFeed }) {
  const [view, setView] = useState<View>(viewOfHash());
  const [theme, setTheme] = useState<'light' | 'dark'>(systemTheme());
  const [session, setSession] = useState<AccountSession | null>(null);
  const market = useStore(feed.state);

  useEffect(() => {
    const onHash = () => setView(viewOfHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  // A layout effect: it runs before the panels' effects, so the chart reads the new theme's colours.
  useLayoutEffect(() => {
    document.documentElement.dataset['theme'] = theme;
  }, [theme]);

  const signIn = async (how: SignIn) => setSession(await AccountSession.open(location.origin, how));
  const signOut = async () => {
    await session?.close();
    setSession(null);
  };

  return (
    <>
      <header>
        <strong class="brand">fillstream</strong>
        <nav aria-label="Views">
          <a href="#market" aria-current={view === 'market' ? 'page' : undefined}>
            Market
          </a>
          <a href="#account" aria-current={view === 'account' ? 'page' : undefined}>
            Account
          </a>
        </nav>
        <SymbolSelect feed={feed} />
        <span class="muted small" data-testid="market-connection">
          market: {market.connection}
        </span>
        <button
          type="button"
          class="theme-toggle"
          aria-label="Switch theme"
          onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
        >
          {theme === 'dark' ? 'Light' : 'Dark'} theme
        </button>
      </header>
      {market.error !== null && (
        <p class="error" role="alert">
          {market.error}
        </p>
      )}
      <main class={`view-${view}`}>
        {view === 'market' ? (
          <div class="grid market">
            <Ticker feed={feed} />
            <Candles feed={feed} theme={theme} />
            <Ladder feed={feed} />
            <DepthChart feed={feed} />
            <RecentTrades feed={feed} />
          </div>
        ) : session === null ? (
          <div class="grid account">
            <SignInForm onSignIn={signIn} />
          </div>
        ) : (
          <div class="grid account">
            <div class="account-bar">
              <ConnectionState session={session} />
              <button type="button" onClick={() => void signOut()}>
                Sign out
              </button>
            </div>
            <Ticker feed={feed} />
            <OrderForm session={session} symbol={market.symbol} />
            <Balances session={session} />
            <EventLog session={session} />
            <OpenOrders session={session} />
            <Fills session={session} />
          </div>
        )}
      </main>
    </>
  );
}

const feed = new MarketFeed(location.origin);
void feed.start();
render(<App feed={feed} />, document.getElementById('app') as HTMLElement);
