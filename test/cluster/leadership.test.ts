// Engine leadership as the gateways show it (child processes, real NATS and PostgreSQL): with no engine at all
// /readyz says "no engine leader"; two engines and a gateway: /readyz and /metrics name leader A with its epoch;
// kill -9 A: once B took over they name B with a larger epoch and fillstream_engine_leader_changes_total went up
// by one; kill -9 B too: past the bound, "no engine leader" again and fillstream_engine_leader_up 0.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { clusterNames } from '../../src/cluster/wire.js';
import { checkHttpResponse } from '../support/api-conformance.js';
import { freePort } from '../support/net.js';
import {
  type Json,
  type RoleProcess,
  deleteStream,
  freshDatabase,
  freshPrefix,
  needServices,
  services,
  spawnRole,
  waitFor,
  clusterEnv,
} from './cluster-lab.js';

const LEADER_TIMEOUT_MS = 1500;

/** The node id and epoch an engine logged when it took the lead (null: it has not). */
function leadership(e: RoleProcess): { nodeId: string; epoch: number } | null {
  for (const line of e.output().split('\n')) {
    if (!line.includes('engine leads: recovering')) continue;
    const o = JSON.parse(line) as { nodeId: string; epoch: number };
    return { nodeId: o.nodeId, epoch: o.epoch };
  }
  return null;
}

/** GET /readyz; each answer (ready with its leader, or 503) must match the OpenAPI document. */
async function readyz(base: string): Promise<{ status: number; body: Json }> {
  const r = await fetch(`${base}/readyz`);
  const body = (await r.json()) as Json;
  const contentType = r.headers.get('content-type') ?? '';
  const problem = checkHttpResponse({ method: 'GET', path: '/readyz', status: r.status, contentType, body });
  assert.equal(problem, null);
  return { status: r.status, body };
}

/** The fillstream_engine_leader* and last-change samples of one scrape: "name{labels}" -> value. */
async function leaderMetrics(base: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(fillstream_engine_(?:leader|last_leader)[a-z_]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m !== null) out.set(m[1] as string, Number(m[2]));
  }
  return out;
}

if (needServices('cluster: engine leadership in /readyz and /metrics')) {
  test(
    'no engine: no leader; leader A, kill -9, leader B with a larger epoch and one change; none: no leader',
    {
      timeout: 120_000,
    },
    async () => {
      const s = services() as { nats: string };
      const prefix = freshPrefix();
      const db = await freshDatabase();
      const env = {
        ...clusterEnv(db.url, s.nats, prefix),
        FILLSTREAM_LOG_LEVEL: 'silent',
        FILLSTREAM_CLUSTER_LEASE_MS: '1500',
        FILLSTREAM_CLUSTER_LEADER_TIMEOUT_MS: String(LEADER_TIMEOUT_MS),
      };
      const procs: RoleProcess[] = [];
      const engine = () => {
        const e = spawnRole(['engine'], { ...env, FILLSTREAM_LOG_LEVEL: 'info' });
        procs.push(e);
        return e;
      };
      try {
        // A gateway with no engine at all.
        const port = await freePort();
        procs.push(spawnRole(['gateway', '--port', String(port), '--host', '127.0.0.1'], env));
        const base = `http://127.0.0.1:${port}`;
        await waitFor('gateway answers', async () => (await fetch(`${base}/healthz`).catch(() => null))?.ok === true);
        const alone = await readyz(base);
        assert.equal(alone.status, 503);
        assert.equal(alone.body.code, 5001);
        assert.match(alone.body.msg as string, /no engine leader: none heard from yet/);
        const none = await leaderMetrics(base);
        assert.equal(none.get('fillstream_engine_leader_up'), 0);
        assert.equal(none.get('fillstream_engine_leader_changes_total'), 0);

        // Two engines: A leads, B waits.
        const a = engine();
        await waitFor('A leads', () => a.output().includes('engine ready'));
        const b = engine();
        await waitFor('B waits as standby', () => b.output().includes('engine standby'));
        const la = leadership(a) as { nodeId: string; epoch: number };
        assert.ok(la !== null && la.epoch > 0, 'A logged its leadership');
        assert.equal(leadership(b), null, 'B does not lead');
        await waitFor('gateway ready', async () => (await readyz(base)).status === 200);
        const readyA = await readyz(base);
        const leaderA = readyA.body.data as Json;
        assert.deepEqual(Object.keys(leaderA).sort(), ['in_flight', 'leader', 'status', 'store']);
        const shownA = leaderA.leader as { node: string; epoch: number; since: number };
        assert.equal(shownA.node, la.nodeId);
        assert.equal(shownA.epoch, la.epoch);
        assert.ok(shownA.since > Date.now() - 60_000 && shownA.since <= Date.now(), 'since is when A took the lead');
        const mA = await leaderMetrics(base);
        assert.equal(mA.get('fillstream_engine_leader_up'), 1);
        assert.equal(mA.get('fillstream_engine_leader_epoch'), la.epoch);
        assert.equal(mA.get(`fillstream_engine_leader_info{node="${la.nodeId}"}`), 1);
        assert.equal(mA.get('fillstream_engine_leader_changes_total'), 0, 'the first leader heard is no change');
        assert.equal(mA.get('fillstream_engine_last_leader_change_timestamp_seconds'), shownA.since / 1000);

        // kill -9 A: B takes over.
        a.child.kill('SIGKILL');
        await a.exited;
        await waitFor('B leads', () => b.output().includes('engine ready'), 20_000);
        const lb = leadership(b) as { nodeId: string; epoch: number };
        assert.ok(lb.epoch > la.epoch, `B's epoch ${lb.epoch} is above A's ${la.epoch}`);
        await waitFor('the gateway names B', async () => {
          const r = await readyz(base);
          return r.status === 200 && ((r.body.data as Json).leader as Json).node === lb.nodeId;
        });
        const shownB = ((await readyz(base)).body.data as Json).leader as {
          node: string;
          epoch: number;
          since: number;
        };
        assert.equal(shownB.epoch, lb.epoch);
        assert.ok(shownB.since > shownA.since);
        const mB = await leaderMetrics(base);
        assert.equal(mB.get('fillstream_engine_leader_up'), 1);
        assert.equal(mB.get('fillstream_engine_leader_epoch'), lb.epoch);
        assert.equal(mB.get(`fillstream_engine_leader_info{node="${lb.nodeId}"}`), 1);
        assert.equal(mB.get(`fillstream_engine_leader_info{node="${la.nodeId}"}`), undefined, "A's series is gone");
        assert.equal(mB.get('fillstream_engine_leader_changes_total'), 1, 'one leader change');
        assert.equal(mB.get('fillstream_engine_last_leader_change_timestamp_seconds'), shownB.since / 1000);

        // No engine left: past the bound, no leader.
        b.child.kill('SIGKILL');
        await b.exited;
        const killedAt = Date.now();
        await waitFor('no engine leader', async () => (await readyz(base)).status === 503, 20_000);
        assert.ok(Date.now() - killedAt >= LEADER_TIMEOUT_MS - 1000, 'not before the bound (less one tick)');
        const gone = await readyz(base);
        assert.equal(gone.body.code, 5001);
        assert.match(
          gone.body.msg as string,
          new RegExp(`no engine leader: the last one \\(${lb.nodeId}, epoch ${lb.epoch}\\)`),
        );
        const mNone = await leaderMetrics(base);
        assert.equal(mNone.get('fillstream_engine_leader_up'), 0);
        assert.equal(mNone.get('fillstream_engine_leader_changes_total'), 1);
      } finally {
        for (const p of procs) p.child.kill('SIGKILL');
        await Promise.all(procs.map((p) => p.exited));
        const nc = await connect({ servers: s.nats });
        await deleteStream(nc, clusterNames(prefix));
        const { Kvm } = await import('@nats-io/kv');
        await (await new Kvm(nc).open(`${prefix}_leader`)).destroy().catch(() => undefined);
        await nc.close();
        await db.drop();
      }
    },
  );
}
