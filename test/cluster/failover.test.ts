// Engine failover (child processes, real NATS and PostgreSQL): two engines, one leads (NATS KV lease) and one waits;
// kill -9 the leader while a client places orders: the standby takes over (recovers from PostgreSQL, consumes what is
// left), every acknowledged order is there exactly once, none twice. And the fence: an engine whose epoch is no
// longer the one in cluster_leader commits nothing (its batch is rolled back) and stops.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bid, needServices, post, waitFor } from './cluster-lab.js';
import { failoverLab } from './failover-lab.js';

/** The market-data epoch the gateway shows (GET /depth). */
async function marketEpoch(base: string): Promise<number> {
  const r = (await (await fetch(`${base}/api/v1/depth?symbol=BTC_USDT&levels=5`)).json()) as {
    data: { epoch: number };
  };
  return r.data.epoch;
}

/** The failover lab with one gateway and one funded user. */
async function lab() {
  const l = await failoverLab();
  const gateway = async () => {
    const { base } = await l.gateway();
    const { auth } = await l.user(base, { USDT: '1000000' });
    return { base, auth };
  };
  return { ...l, gateway };
}

if (needServices('cluster: engine failover')) {
  test(
    'kill -9 the leading engine three times: the standby takes over, every acked order is there once',
    {
      timeout: 180_000,
    },
    async () => {
      const l = await lab();
      // Cleared in `finally` too, so that a failed assertion does not leave the clients looping.
      let running = true;
      try {
        let a = l.engine();
        await waitFor('first engine leads', () => l.leads(a));
        let b = l.engine();
        await waitFor('second engine waits as standby', () => b.output().includes('engine standby'));
        assert.equal(l.leads(b), false, 'exactly one engine leads');
        const { base, auth } = await l.gateway();
        const acked = new Map<number, string>();
        let n = 0;
        const client = async () => {
          while (running) {
            const cid = `o-${++n}`;
            const r = await post(base, '/api/v1/create_order', auth, bid(cid)).catch(() => null);
            if (r?.code === 0) acked.set(r.data.order_id as number, cid);
            else await new Promise((res) => setTimeout(res, 20));
          }
        };
        const clients = [client(), client(), client()];
        assert.equal(await marketEpoch(base), 1, 'the first leader: market-data epoch 1');
        const takeovers: number[] = [];
        for (let round = 0; round < 3; round++) {
          await waitFor('orders acknowledged', () => acked.size >= (round + 1) * 30, 30_000);
          const killedAt = Date.now();
          a.child.kill('SIGKILL');
          await a.exited;
          await waitFor(`standby takes over: ${b.output()}`, () => l.leads(b), 20_000);
          const tookOver = Date.now() - killedAt;
          const before = acked.size;
          await waitFor('orders acknowledged by the new leader', () => acked.size >= before + 10, 20_000);
          // A takeover bumps the market-data epoch (the gateway re-snapshots from the new leader).
          await waitFor(
            'the gateway at the next market-data epoch',
            async () => (await marketEpoch(base)) === round + 2,
          );
          takeovers.push(tookOver);
          console.log(`takeover ${round + 1}: the standby led ${tookOver} ms after kill -9 (lease 1500 ms)`);
          assert.ok(tookOver < 10_000, `takeover within 10 s (took ${tookOver} ms)`);
          // The killed one comes back as the standby.
          [a, b] = [b, l.engine()];
          await waitFor('restarted engine waits as standby', () => b.output().includes('engine standby'));
        }
        // A clean stop of the leader marks the market stopped, yet the standby's takeover is still a new epoch.
        a.child.kill('SIGTERM');
        const stoppedAt = Date.now();
        assert.equal(await a.exited, 0, `a clean stop of the leader exits 0: ${a.output()}`);
        await waitFor(`standby takes over after a clean stop: ${b.output()}`, () => l.leads(b), 20_000);
        console.log(`clean stop: the standby led ${Date.now() - stoppedAt} ms after SIGTERM`);
        await waitFor('the gateway at the epoch after the clean stop', async () => (await marketEpoch(base)) === 5);
        const last = acked.size;
        await waitFor('orders acknowledged after the clean handover', () => acked.size >= last + 10, 20_000);
        running = false;
        await Promise.all(clients);
        const rows = (await l.pool.query<{ order_id: string; cid: string }>('SELECT order_id, cid FROM orders')).rows;
        const byId = new Map(rows.map((r) => [Number(r.order_id), r.cid]));
        for (const [id, cid] of acked) assert.equal(byId.get(id), cid, `acknowledged order ${id} (${cid}) is there`);
        const cids = rows.map((r) => r.cid);
        assert.equal(new Set(cids).size, cids.length, 'no order was placed twice');
        assert.equal(byId.size, rows.length, 'order ids never repeat');
        const epochs = await l.pool.query<{ epoch: string }>('SELECT epoch FROM cluster_leader WHERE name = $1', [
          l.prefix,
        ]);
        assert.equal(epochs.rows.length, 1);
        assert.ok(Number(epochs.rows[0]?.epoch) >= 5, 'five leaderships, each with a larger epoch');
        const market = await l.pool.query<{ epoch: string }>('SELECT epoch FROM market_epoch');
        assert.deepEqual(
          market.rows.map((r) => Number(r.epoch)),
          [5],
          'each takeover started the next market-data epoch',
        );
      } finally {
        running = false;
        await l.close();
      }
    },
  );

  test(
    'a leader whose epoch was superseded in cluster_leader commits nothing and stops',
    { timeout: 60_000 },
    async () => {
      const l = await lab();
      try {
        const a = l.engine();
        await waitFor('engine leads', () => l.leads(a));
        const { base, auth } = await l.gateway();
        assert.equal((await post(base, '/api/v1/create_order', auth, bid('before'))).code, 0);
        // Answers an engine recorded (a gateway records 'expired' for a command nobody answered in time).
        const answered = async () =>
          (
            (
              await l.pool.query(
                `SELECT count(*)::int AS n FROM cluster_command_results WHERE answer NOT LIKE '%"expired":true%'`,
              )
            ).rows[0] as { n: number }
          ).n;
        const answeredBefore = await answered();
        // A later leader's takeover, as PostgreSQL sees it: the epoch moves past this engine's.
        await l.pool.query('UPDATE cluster_leader SET epoch = epoch + 1000 WHERE name = $1', [l.prefix]);
        const r = await post(base, '/api/v1/create_order', auth, bid('stale')).catch(() => null);
        assert.notEqual(r?.code, 0, 'the stale leader acknowledged nothing');
        // No engine answered it in time: the gateway settled it as not placed.
        assert.equal(r?.code, 5002, JSON.stringify(r));
        assert.equal(await a.exited, 1, 'the stale leader stopped');
        assert.match(a.output(), /fenced: this engine's epoch \d+ is stale/);
        const cids = (await l.pool.query<{ cid: string }>('SELECT cid FROM orders ORDER BY order_id')).rows;
        assert.deepEqual(
          cids.map((c) => c.cid),
          ['before'],
          'nothing of the refused batch is in the database',
        );
        assert.equal(await answered(), answeredBefore, 'the refused command has no answer an engine recorded');
      } finally {
        await l.close();
      }
    },
  );

  test(
    'SIGSTOP the leader past its lease: the standby takes over; SIGCONT: the old one commits nothing and stops',
    {
      timeout: 90_000,
    },
    async () => {
      const l = await lab();
      try {
        const a = l.engine();
        await waitFor('first engine leads', () => l.leads(a));
        const b = l.engine();
        await waitFor('second engine waits as standby', () => b.output().includes('engine standby'));
        const { base, auth } = await l.gateway();
        assert.equal((await post(base, '/api/v1/create_order', auth, bid('by-a'))).code, 0);
        const epochA = (await l.pool.query<{ epoch: string }>('SELECT epoch FROM cluster_leader')).rows[0]?.epoch;
        a.child.kill('SIGSTOP');
        // Sent while the leader is frozen: its consumer may hold it, but only the new leader may commit it.
        const whileFrozen = post(base, '/api/v1/create_order', auth, bid('while-frozen')).catch(() => null);
        await waitFor('standby takes over', () => l.leads(b), 20_000);
        await whileFrozen;
        assert.equal((await post(base, '/api/v1/create_order', auth, bid('by-b'))).code, 0);
        a.child.kill('SIGCONT');
        assert.equal(await a.exited, 1, 'the old leader stepped down');
        assert.match(a.output(), /lost the leader lease|fenced/);
        const epochB = (await l.pool.query<{ epoch: string }>('SELECT epoch FROM cluster_leader')).rows[0]?.epoch;
        assert.ok(Number(epochB) > Number(epochA), 'the new leader raised the epoch');
        assert.equal((await post(base, '/api/v1/create_order', auth, bid('after'))).code, 0, 'b still leads');
        const cids = (await l.pool.query<{ cid: string }>('SELECT cid FROM orders')).rows.map((r) => r.cid);
        assert.equal(new Set(cids).size, cids.length, 'no order was placed twice');
        for (const cid of ['by-a', 'by-b', 'after']) assert.ok(cids.includes(cid), `${cid} is there`);
      } finally {
        await l.close();
      }
    },
  );
}
