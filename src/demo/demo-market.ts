// The live demo market (`fillstream serve --demo`): on a running server, makes sure the demo users exist (a human
// one to sign in with, and per symbol a market-maker bot and a taker bot), funds them by admin deposits, and runs
// the bots as clients of the public HTTP API until stop(). Nothing here reaches into the engine or the store.

import { setTimeout as sleep } from 'node:timers/promises';
import { RestClient } from '../client/index.js';
import { Prng } from '../replay/prng.js';
import { BotSession, type Pace } from './bot-session.js';
import { type DemoUser, ensureDemoUsers } from './demo-users.js';
import { deposit, topUp } from './funding.js';
import { MarketMaker } from './market-maker.js';
import { addFunds, demoSymbol, fundingFor, lotSize, startMid } from './market-math.js';
import { Taker } from './taker.js';

export interface DemoOptions {
  /** The server, e.g. http://127.0.0.1:8080. */
  readonly baseUrl: string;
  readonly adminToken: string;
  /** The demo-users file (demo-users.ts). */
  readonly usersFile: string;
  /** The database's key in that file (databaseKey()). */
  readonly databaseKey: string;
  /** The server's per-user limits: each bot keeps to 80% of them. */
  readonly rateLimits: {
    readonly ordersPerSec: number;
    readonly cancelsPerSec: number;
    readonly queriesPerSec: number;
  };
  /** Where a failing bot request is reported (no secret is ever in it). */
  readonly log: { warn(obj: object, msg: string): void };
  /** Seed of the mids' walks and the bots' choices (default 1). */
  readonly seed?: number;
  /** Mean time between a maker's steps (default 1000 ms) and a taker's orders (default 800 ms), per symbol. */
  readonly makerIntervalMs?: number;
  readonly takerIntervalMs?: number;
  /** Levels a maker quotes per side (default 5). */
  readonly levels?: number;
}

export interface DemoBot {
  readonly role: 'maker' | 'taker';
  readonly symbol: string;
  readonly userId: number;
}

export interface DemoMarket {
  /** The user for a human: credentials and a fresh token. */
  readonly human: DemoUser;
  readonly bots: readonly DemoBot[];
  /** Stops the bots and waits for their requests in flight. */
  stop(): Promise<void>;
}

/** Lots a bot is funded with per asset and symbol, and a new human user. */
const BOT_LOTS = 5000n;
const HUMAN_LOTS = 100n;
/** One warning per bot per this many ms at most. */
const WARN_EVERY_MS = 10_000;

export async function startDemo(o: DemoOptions): Promise<DemoMarket> {
  const admin = new RestClient({ baseUrl: o.baseUrl, adminToken: o.adminToken });
  const { assets, symbols: infos } = await admin.symbols();
  const symbols = infos.map((s) => demoSymbol(s, assets));
  const roles = ['human', ...symbols.flatMap((s) => [`maker:${s.name}`, `taker:${s.name}`])];
  const users = await ensureDemoUsers(o.baseUrl, admin, o.usersFile, o.databaseKey, roles);
  const user = (role: string) => users.get(role) as DemoUser;

  const abort = new AbortController();
  const pace: Pace = {
    order: Math.max(1, Math.floor(o.rateLimits.ordersPerSec * 0.8)),
    cancel: Math.max(1, Math.floor(o.rateLimits.cancelsPerSec * 0.8)),
    query: Math.max(1, Math.floor(o.rateLimits.queriesPerSec * 0.8)),
  };
  const seed = o.seed ?? 1;
  const humanFunds = new Map<string, bigint>();
  const loops: Array<() => Promise<void>> = [];
  const bots: DemoBot[] = [];
  for (const [i, sym] of symbols.entries()) {
    const mid = startMid(sym, await admin.ticker(sym.name));
    const lot = lotSize(sym, mid);
    const target = fundingFor(sym, mid, lot, BOT_LOTS);
    addFunds(humanFunds, fundingFor(sym, mid, lot, HUMAN_LOTS));
    for (const role of ['maker', 'taker'] as const) {
      const u = user(`${role}:${sym.name}`);
      const session = new BotSession(o.baseUrl, u, pace, abort.signal, u.token);
      await topUp(admin, assets, session, target);
      let lastTopUp = Date.now();
      const lowFunds = async () => {
        if (Date.now() - lastTopUp < WARN_EVERY_MS) return;
        lastTopUp = Date.now();
        await topUp(admin, assets, session, target);
      };
      const rng = new Prng(seed * 1000 + i * 2 + (role === 'maker' ? 0 : 1));
      const bot =
        role === 'maker'
          ? new MarketMaker(session, sym, mid, rng, { levels: o.levels ?? 5, lot, lowFunds })
          : new Taker(session, sym, rng, lot, lowFunds);
      const meanMs = role === 'maker' ? (o.makerIntervalMs ?? 1000) : (o.takerIntervalMs ?? 800);
      loops.push(() => runBot(`${role}:${sym.name}`, () => bot.step(), meanMs, rng, abort.signal, o.log));
      bots.push({ role, symbol: sym.name, userId: u.userId });
    }
  }
  const human = user('human');
  if (human.created) await deposit(admin, assets, human.userId, humanFunds);
  const running = loops.map((run) => run());
  return {
    human,
    bots,
    async stop() {
      abort.abort();
      await Promise.all(running);
    },
  };
}

/** Calls `step` until the signal fires, waiting 0.5..1.5 x `meanMs` after each; failures are warned about, rarely. */
async function runBot(
  name: string,
  step: () => Promise<void>,
  meanMs: number,
  rng: Prng,
  signal: AbortSignal,
  log: DemoOptions['log'],
): Promise<void> {
  let warnedAt = 0;
  while (!signal.aborted) {
    try {
      await step();
    } catch (e) {
      if (signal.aborted) return;
      if (Date.now() - warnedAt >= WARN_EVERY_MS) {
        warnedAt = Date.now();
        log.warn({ bot: name, error: (e as Error).message }, 'demo bot: a request failed (retrying on its next step)');
      }
    }
    try {
      await sleep(Math.round(meanMs * (0.5 + rng.next())), undefined, { signal });
    } catch {
      return;
    }
  }
}
