// Five kills under load (child processes, real NATS and PostgreSQL): two engines (leader + standby), two gateways,
// four users placing and cancelling orders without pause (two over HTTP on both gateways, two over WebSocket order
// entry), each user's private stream followed over /ws with resume_from (moving between the gateways during the
// takeovers). The leader is killed with SIGKILL five times at seeded random moments and restarted each time as the
// new standby. After each takeover: every acknowledged order is in PostgreSQL exactly once by cid and listed once by
// both gateways, no cid on two orders (an order whose answer was 5001 or lost: once or not at all), frozen = the
// open orders' locks, nothing negative, totals conserved, every stream gap-free and equal to GET /events, and the
// first order sent after the kill was acknowledged by the new leader within 5 s of the kill.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/replay/prng.js';
import { needServices, type RoleProcess, waitFor } from './cluster-lab.js';
import { assetTotals, failoverLab, ordersByCid, storeViolations, type LabUser } from './failover-lab.js';
import {
  Ledger,
  type OrderEntry,
  StreamFollower,
  WsOrders,
  eventLog,
  httpEntry,
  listedOrders,
  wsEntry,
} from './order-load.js';

const TAKEOVERS = 5;
const SEED = Number(process.env['FAILOVER_SEED'] ?? 20261202);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (needServices('cluster: five kills under load')) {
  test(
    'kill -9 the leader five times under HTTP and WebSocket load: nothing acknowledged lost or doubled, streams whole',
    { timeout: 300_000 },
    async () => {
      const prng = new Prng(SEED);
      console.log(`seed ${SEED} (FAILOVER_SEED=${SEED} repeats the kill moments)`);
      const l = await failoverLab();
      const sockets: WsOrders[] = [];
      const followers: StreamFollower[] = [];
      let running = true;
      try {
        let leader: RoleProcess = l.engine();
        await waitFor('first engine leads', () => l.leads(leader));
        let standby: RoleProcess = l.engine();
        await waitFor('second engine waits', () => l.waits(standby));
        const gws = [await l.gateway(), await l.gateway()];
        const bases = gws.map((g) => g.base);
        const users: LabUser[] = [];
        for (let i = 0; i < 4; i++) users.push(await l.user(bases[i % 2] as string, { BTC: '100', USDT: '1000000' }));
        const totals = await assetTotals(l.pool);
        for (const [i, u] of users.entries()) {
          const f = new StreamFollower(bases, u.token, i);
          f.start();
          followers.push(f);
        }
        const entries: OrderEntry[] = [];
        for (const [i, u] of users.entries()) {
          if (i < 2) entries.push(httpEntry(bases, u.token));
          else {
            const ws = await WsOrders.open(bases[i % 2] as string, u.token);
            sockets.push(ws);
            entries.push(wsEntry(ws));
          }
        }

        const ledger = new Ledger();
        let n = 0;
        const bid = (side: string, price: string) => ({
          symbol: 'BTC_USDT',
          side,
          order_type: 'LIMIT',
          price,
          qty: '0.01',
          cid: `c${++n}`,
        });
        // Two loops per user; each places (prices around 100 so that orders cross and fill) or cancels one of its
        // acknowledged orders. Its own Prng: the kill moments stay the seed's whatever the loops' timing.
        const trader = async (u: number, loop: number) => {
          const r = new Prng(SEED * 16 + u * 2 + loop);
          const mine: number[] = [];
          while (running) {
            const entry = entries[u] as OrderEntry;
            if (mine.length > 0 && r.next() < 0.3) {
              const [id] = mine.splice(r.int(mine.length), 1);
              ledger.cancel(await entry.cancel(id as number));
            } else {
              const body = bid(r.next() < 0.5 ? 'BUY' : 'SELL', (99 + r.int(5) / 2).toFixed(2));
              const sentAt = Date.now();
              const a = await entry.place(body);
              ledger.place(body.cid, sentAt, a);
              if (a?.code === 0) mine.push(a.data?.order_id as number);
            }
            await sleep(10);
          }
        };
        const traders = users.flatMap((_, u) => [trader(u, 0), trader(u, 1)]);

        // The checks of one moment, while the load goes on (acknowledged before the reads: committed before them).
        const check = async (what: string, sample: readonly string[]) => {
          const acked = new Map(ledger.acked);
          const unknown = [...ledger.unknown];
          const inPg = await ordersByCid(l.pool);
          for (const [cid, id] of acked) assert.deepEqual(inPg.get(cid), [id], `${what}: acked ${cid} once in PG`);
          for (const cid of unknown) assert.ok((inPg.get(cid)?.length ?? 0) <= 1, `${what}: ${cid} at most once`);
          assert.deepEqual(await storeViolations(l.pool, totals), [], `${what}: invariants hold in PostgreSQL`);
          const ownerOf = new Map<string, number>();
          for (const [u, user] of users.entries()) {
            for (const base of bases) {
              const listed = await listedOrders(base, user.token);
              for (const cid of listed.keys()) ownerOf.set(cid, u);
              for (const [cid, ids] of listed) assert.equal(ids.length, 1, `${what}: ${cid} listed once by ${base}`);
              for (const [cid, id] of acked) {
                if (inPg.has(cid) && listed.has(cid)) assert.deepEqual(listed.get(cid), [id], `${what}: ${cid}`);
              }
            }
          }
          for (const cid of acked.keys()) assert.ok(ownerOf.has(cid), `${what}: acked ${cid} listed by GET /orders`);
          // The orders sent from just before the kill until the new leader answered, one by one on both gateways.
          await Promise.all(
            sample.map(async (cid) => {
              const id = acked.get(cid) as number;
              const owner = users[ownerOf.get(cid) as number] as LabUser;
              for (const base of bases) {
                const r = await fetch(`${base}/api/v1/order/${id}`, { headers: owner.auth });
                const body = (await r.json()) as { code: number; data: { cid: string } };
                assert.equal(body.code, 0, `${what}: GET /order/${id} on ${base}`);
                assert.equal(body.data.cid, cid);
              }
            }),
          );
          for (const [u, f] of followers.entries()) {
            const user = users[u] as LabUser;
            const log = await eventLog(bases[u % 2] as string, user.token);
            await waitFor(`${what}: user ${u}'s stream catches up (${f.lastSeq}/${log.length})`, () => {
              return f.lastSeq >= log.length;
            });
            assert.deepEqual(f.problems, [], `${what}: user ${u}'s stream is gap-free`);
            assert.deepEqual(f.frames.slice(0, log.length), log, `${what}: user ${u}'s stream is GET /events`);
          }
        };

        const took: number[] = [];
        for (let round = 1; round <= TAKEOVERS; round++) {
          const before = ledger.ackTimes.length;
          await waitFor(`round ${round}: orders acknowledged`, () => ledger.ackTimes.length >= before + 40, 30_000);
          await sleep(100 + prng.int(1400));
          const killedAt = Date.now();
          leader.child.kill('SIGKILL');
          await leader.exited;
          const deadAt = Date.now();
          // Streams move to the other gateway during the takeover (each at least once over the five rounds).
          for (const [i, f] of followers.entries()) if (prng.next() < 0.5 || i === round % followers.length) f.move();
          // A probe every 100 ms (not waiting for the previous one): the first order sent after the kill that the
          // new leader acknowledges, whatever the loops are waiting for meanwhile.
          const probe = httpEntry(bases, (users[0] as LabUser).token);
          const probes: Promise<void>[] = [];
          while (ledger.firstAckSentAfter(deadAt) === null && Date.now() - killedAt < 15_000) {
            const body = bid('BUY', '90.00');
            const sentAt = Date.now();
            probes.push(probe.place(body).then((a) => ledger.place(body.cid, sentAt, a)));
            await sleep(100);
          }
          await Promise.all(probes);
          const first = ledger.firstAckSentAfter(deadAt);
          assert.ok(first !== null, `round ${round}: an order sent after the kill was acknowledged`);
          took.push(first - killedAt);
          console.log(
            `takeover ${round}: first order acknowledged by the new leader ${first - killedAt} ms after kill -9`,
          );
          assert.ok(l.leads(standby), `round ${round}: the standby leads`);
          assert.ok(first - killedAt < 5000, `round ${round}: takeover within 5 s (took ${first - killedAt} ms)`);
          // The killed engine comes back as the standby; exactly one leads.
          // (It starts while the checks run.)
          [leader, standby] = [standby, l.engine()];
          const sample = ledger.ackTimes
            .filter((a) => a.sentAt >= killedAt - 500 && a.sentAt <= first)
            .map((a) => a.cid);
          await check(`after takeover ${round}`, sample);
          await waitFor(`round ${round}: restarted engine waits as standby`, () => l.waits(standby));
          assert.equal(l.leads(standby), false, `round ${round}: exactly one engine leads`);
        }
        running = false;
        await Promise.all(traders);
        await check('at the end', []);
        for (const [u, f] of followers.entries()) {
          const user = users[u] as LabUser;
          const logs = [await eventLog(bases[0] as string, user.token), await eventLog(bases[1] as string, user.token)];
          assert.deepEqual(logs[0], logs[1], `user ${u}: GET /events is the same on both gateways`);
          await sleep(300); // a duplicate or an extra event would arrive meanwhile
          assert.deepEqual(f.frames, logs[0], `user ${u}: the stream is exactly the log`);
          assert.deepEqual(f.problems, []);
          assert.ok(f.resumes > 0, `user ${u}'s stream resumed at least once`);
        }
        const epoch = await l.pool.query<{ epoch: string }>('SELECT epoch FROM cluster_leader WHERE name = $1', [
          l.prefix,
        ]);
        assert.ok(Number(epoch.rows[0]?.epoch) >= TAKEOVERS + 1, 'six leaderships, each a larger epoch');
        const errors = (m: Map<string, number>) => JSON.stringify(Object.fromEntries(m));
        console.log(
          `takeovers (ms from kill -9 to the first acknowledged order): ${took.join(', ')}; ` +
            `${ledger.acked.size} orders acknowledged, ${ledger.cancels} cancels answered, ` +
            `placements refused ${errors(ledger.placeErrors)}, cancels refused ${errors(ledger.cancelErrors)}`,
        );
      } finally {
        running = false;
        for (const f of followers) f.stop();
        for (const s of sockets) s.close();
        await l.close();
      }
    },
  );
}
