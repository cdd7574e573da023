// The engine's leader lease against a real NATS server (NATS_URL): one leader at a time; a standby takes over once
// the leader stops renewing (a frozen leader), with a larger epoch; the frozen leader, resumed, finds its lease
// taken and steps down (by its own clock first, or by the refused compare-and-swap); a leader that stops gives the
// key back at once instead of letting it expire; a leader whose key expired while nobody could reach the broker
// takes it back under the same epoch.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { LeaderLease } from '../../src/cluster/leader-lease.js';

const url = process.env['NATS_URL'];
const LEASE_MS = 800;

function once<T extends unknown[]>(
  l: LeaderLease,
  event: 'acquired' | 'lost' | 'expired' | 'resumed',
  ms: number,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no "${event}" within ${ms} ms`)), ms);
    l.once(event, (...args: unknown[]) => {
      clearTimeout(t);
      resolve(args as T);
    });
  });
}

async function waitUntil(ok: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

if (url === undefined || url === '') {
  console.log('leader lease tests SKIPPED (needs NATS_URL)');
  test('leader lease', { skip: 'SKIPPED (needs NATS_URL)' }, () => {});
} else {
  describe('leader lease on NATS KV', () => {
    const conns: NatsConnection[] = [];
    const buckets: string[] = [];
    const leases: LeaderLease[] = [];
    const bucket = () => {
      const b = `fs_test_lease_${randomBytes(4).toString('hex')}`;
      buckets.push(b);
      return b;
    };
    const open = async (b: string, nodeId: string) => {
      const nc = await connect({ servers: url });
      conns.push(nc);
      const l = await LeaderLease.open(nc, { bucket: b, nodeId, leaseMs: LEASE_MS });
      leases.push(l);
      return l;
    };
    after(async () => {
      for (const l of leases) await l.stop().catch(() => undefined);
      const nc = conns[0];
      if (nc !== undefined) {
        for (const b of buckets) {
          await new Kvm(nc)
            .open(b)
            .then((kv) => kv.destroy())
            .catch(() => undefined);
        }
      }
      for (const c of conns) await c.close();
    });

    test('one leader; a frozen leader is replaced with a larger epoch and steps down when it wakes', async () => {
      const b = bucket();
      const a = await open(b, 'node-a');
      const bb = await open(b, 'node-b');
      const aAcquired = once<[number]>(a, 'acquired', 3000);
      a.start();
      const [epochA] = await aAcquired;
      let bLed = false;
      bb.on('acquired', () => (bLed = true));
      bb.start();
      // Two whole leases: A renews, B must stay standby.
      await new Promise((r) => setTimeout(r, 2 * LEASE_MS));
      assert.equal(bLed, false, 'a standby never leads while the leader renews');
      assert.equal(a.leaderEpoch, epochA);
      assert.equal((await a.holder())?.nodeId, 'node-a');
      // A freezes (stops renewing, keeps believing). B takes over after the lease expires.
      const bAcquired = once<[number]>(bb, 'acquired', 4 * LEASE_MS);
      a.freeze();
      const [epochB] = await bAcquired;
      assert.ok(epochB > epochA, `epoch ${epochB} > ${epochA}`);
      assert.equal((await bb.holder())?.nodeId, 'node-b');
      // A wakes up: it has not renewed for a whole lease, so it steps down.
      const aLost = once<[string]>(a, 'lost', 3000);
      a.start();
      const [why] = await aLost;
      assert.match(why, /not renewed|taken over/);
      assert.equal(a.leaderEpoch, null);
      assert.equal(bb.leaderEpoch, epochB, 'the new leader keeps leading');
    });

    test('a leader whose renewal is refused steps down (the key was taken)', async () => {
      const b = bucket();
      const a = await open(b, 'node-a');
      const acquired = once<[number]>(a, 'acquired', 3000);
      a.start();
      await acquired;
      // Another writer replaces the key behind A's back (as if A's lease had expired and been taken).
      const kv = await new Kvm(conns[conns.length - 1] as NatsConnection).open(b);
      await kv.put('leader', 'intruder');
      const [why] = await once<[string]>(a, 'lost', 3 * LEASE_MS);
      assert.match(why, /taken over/);
    });

    test('a leader that could not renew past its lease takes its expired key back, same epoch', async () => {
      const b = bucket();
      const a = await open(b, 'node-a');
      const acquired = once<[number]>(a, 'acquired', 3000);
      a.start();
      const [epoch] = await acquired;
      // As during a broker restart: no renewal for longer than the lease, the key expires, nobody else takes it.
      a.freeze();
      await waitUntil(async () => (await a.holder()) === null, 10 * LEASE_MS);
      let lost = false;
      a.on('lost', () => (lost = true));
      const expired = once<[string]>(a, 'expired', 3000);
      const resumed = once<[string]>(a, 'resumed', 3000);
      a.start();
      assert.match((await expired)[0], /not renewed/);
      assert.match((await resumed)[0], /took its expired lease back/);
      assert.equal(lost, false, 'it did not step down');
      assert.equal(a.leaderEpoch, epoch, 'it leads on under the epoch the fence holds');
      assert.equal((await a.holder())?.nodeId, 'node-a');
      // And it renews normally from there on.
      await new Promise((r) => setTimeout(r, 2 * LEASE_MS));
      assert.equal(a.leaderEpoch, epoch);
      assert.equal((await a.holder())?.nodeId, 'node-a');
    });

    test('stop() gives the key back at once instead of letting it expire', async () => {
      const b = bucket();
      const a = await open(b, 'node-a');
      const bb = await open(b, 'node-b');
      const aAcquired = once<[number]>(a, 'acquired', 3000);
      a.start();
      const [epochA] = await aAcquired;
      bb.start();
      const bAcquired = once<[number]>(bb, 'acquired', 3000);
      await a.stop();
      const right = await a.holder();
      assert.ok(right === null || right.nodeId === 'node-b', `the key is free at once: ${JSON.stringify(right)}`);
      const [epochB] = await bAcquired;
      assert.ok(epochB > epochA);
    });
  });
}
