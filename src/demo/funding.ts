// Demo funds: every amount a demo user holds arrived as a deposit through the admin API (so the exchange's
// conservation of each asset holds as for any user); a bot is topped up to its target when it runs low.

import type { AssetInfo, RestClient } from '../client/index.js';
import type { BotSession } from './bot-session.js';
import { formatUnits, rescale, toUnits } from './market-math.js';

function assetOf(assets: readonly AssetInfo[], name: string): AssetInfo {
  const a = assets.find((x) => x.asset === name);
  if (a === undefined) throw new Error(`unknown asset ${name}`);
  return a;
}

/** Deposits `amounts` (units at each asset's decimals) to `userId`. */
export async function deposit(
  admin: RestClient,
  assets: readonly AssetInfo[],
  userId: number,
  amounts: ReadonlyMap<string, bigint>,
): Promise<void> {
  for (const [name, units] of amounts) {
    if (units > 0n) await admin.deposit(userId, name, formatUnits(units, assetOf(assets, name).decimals));
  }
}

/** Tops the session's user up to `target` for every asset whose total fell below half of it; returns the deposits. */
export async function topUp(
  admin: RestClient,
  assets: readonly AssetInfo[],
  session: BotSession,
  target: ReadonlyMap<string, bigint>,
): Promise<Map<string, bigint>> {
  const { balances } = await session.call('query', (c) => c.getBalances());
  const missing = new Map<string, bigint>();
  for (const [name, want] of target) {
    const a = assetOf(assets, name);
    const b = balances.find((x) => x.asset === name);
    const have = b === undefined ? 0n : rescale(toUnits(b.total, a.display_decimals), a.display_decimals, a.decimals);
    if (have * 2n < want) missing.set(name, want - have);
  }
  await deposit(admin, assets, session.creds.userId, missing);
  return missing;
}
