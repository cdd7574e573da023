// WebSocket identity and token lifetime on real servers: a token valid for 30 days (the longest the config
// allows) keeps its connection open (a plain setTimeout past 2^31-1 ms fired at once and closed it "token
// expired"), and `?token=A&user_id=B` is refused like HTTP refuses X-User-ID beside credentials: always outside
// development mode, and in development mode whenever the two name different users.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab } from '../http/harness.js';
import { RawClient, wsUrl } from './raw-client.js';

const lab = new Lab('sqlite');
const clients: RawClient[] = [];
after(async () => {
  for (const c of clients.splice(0)) c.dispose();
  await lab.cleanup();
});

async function open(url: string): Promise<RawClient> {
  const c = await RawClient.connect(url);
  clients.push(c);
  return c;
}

const THIRTY_DAYS_S = 30 * 24 * 3600;

describe('token lifetime', () => {
  test('a 30-day token keeps its connection open (URL token and auth message)', async () => {
    const s = await lab.start({ tokenTtlSeconds: THIRTY_DAYS_S });
    const u = await s.createUser();
    const byUrl = await open(wsUrl(s.url, `token=${encodeURIComponent(u.token)}`));
    assert.equal((await byUrl.nextOfType('connected')).user_id, u.userId);
    const byMessage = await open(wsUrl(s.url));
    await byMessage.nextOfType('connected');
    byMessage.send({ type: 'auth', token: u.token });
    const ok = await byMessage.nextOfType('auth.success');
    const expiresAt = Number(ok.expires_at);
    assert.ok(expiresAt - Date.now() > (THIRTY_DAYS_S - 60) * 1000, `expires_at ${expiresAt} is 30 days away`);
    await new Promise((r) => setTimeout(r, 1500));
    for (const c of [byUrl, byMessage]) {
      assert.equal(c.closed, null, `still open: ${JSON.stringify(c.messages)}`);
      assert.ok(
        !c.messages.some((m) => m.type === 'auth.error' || m.type === 'auth.expiring'),
        JSON.stringify(c.messages),
      );
      assert.equal((await c.ping()).type, 'pong');
    }
  });
});

describe('?token= beside ?user_id=', () => {
  test('outside development mode: refused with HTTP 401 even when both name the same user', async () => {
    const s = await lab.start();
    const u = await s.createUser();
    const t = encodeURIComponent(u.token);
    assert.equal(await RawClient.refusal(wsUrl(s.url, `token=${t}&user_id=${u.userId + 1}`)), 401);
    assert.equal(await RawClient.refusal(wsUrl(s.url, `token=${t}&user_id=${u.userId}`)), 401);
    assert.equal(await RawClient.refusal(wsUrl(s.url, `token=${t}`)), null, 'the token alone is accepted');
  });

  test('in development mode: the same user is accepted, another user refused', async () => {
    const s = await lab.start({ devAuth: true });
    const u = await s.createUser();
    const t = encodeURIComponent(u.token);
    assert.equal(await RawClient.refusal(wsUrl(s.url, `token=${t}&user_id=${u.userId + 1}`)), 401);
    const same = await open(wsUrl(s.url, `token=${t}&user_id=${u.userId}`));
    assert.equal((await same.nextOfType('connected')).user_id, u.userId);
  });
});
