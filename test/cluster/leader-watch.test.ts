// A gateway's view of the leader (src/cluster/leader-watch.ts): the first leader, a later epoch, an old leader still
// talking (ignored), silence past the bound ("no engine leader"), and what a gateway does with bad announcements.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeaderWatch } from '../../src/cluster/leader-watch.js';
import { parseLeaderEnvelope } from '../../src/cluster/wire.js';

const a = { nodeId: 'host-1-aaaaaa', epoch: 7, since: 1_000 };
const b = { nodeId: 'host-2-bbbbbb', epoch: 12, since: 9_000 };

test('first leader, the same one again, a later epoch; an older epoch is ignored while the current one talks', () => {
  const w = new LeaderWatch(3000);
  assert.deepEqual(w.state(0), { leader: null, problem: 'no engine leader: none heard from yet' });
  assert.equal(w.heard(a, 10_000), 'first');
  assert.deepEqual(w.state(10_500), {
    leader: { node: a.nodeId, epoch: 7, since: 1_000, heardAt: 10_000 },
    problem: null,
  });
  assert.equal(w.heard(a, 11_000), 'same');
  assert.equal(w.state(11_000).leader?.heardAt, 11_000);
  assert.equal(w.heard(b, 12_000), 'changed');
  assert.equal(w.state(12_000).leader?.node, b.nodeId);
  // The old leader wakes up (paused past its lease) and still announces itself: not a change.
  assert.equal(w.heard(a, 12_500), 'ignored');
  assert.equal(w.state(12_500).leader?.epoch, 12);
  // Same epoch under another name is not trusted either while the leader talks.
  assert.equal(w.heard({ ...b, nodeId: 'other' }, 12_600), 'ignored');
});

test('silent past the bound: no engine leader, naming the last one; then anyone heard is taken', () => {
  const w = new LeaderWatch(3000);
  w.heard(b, 10_000);
  assert.equal(w.state(13_000).problem, null, 'exactly at the bound it still counts');
  assert.equal(
    w.state(13_001).problem,
    `no engine leader: the last one (${b.nodeId}, epoch 12) was heard 3001 ms ago (bound 3000 ms)`,
  );
  assert.equal(w.state(13_001).leader?.node, b.nodeId, 'the last leader is still shown');
  // A recreated lease bucket restarts its revisions: a smaller epoch is taken once the current one is silent.
  assert.equal(w.heard(a, 14_000), 'changed');
  assert.deepEqual(w.state(14_000), {
    leader: { node: a.nodeId, epoch: 7, since: 1_000, heardAt: 14_000 },
    problem: null,
  });
});

test('announcements that are not LeaderEnvelopes are refused', () => {
  assert.deepEqual(parseLeaderEnvelope({ ...a, extra: 1 }), a);
  for (const bad of [
    null,
    'x',
    [],
    { ...a, nodeId: '' },
    { ...a, nodeId: 'has space' },
    { ...a, nodeId: 'x'.repeat(129) },
    { ...a, epoch: -1 },
    { ...a, epoch: 1.5 },
    { ...a, epoch: '7' },
    { ...a, epoch: 2 ** 53 },
    { ...a, since: null },
    { nodeId: a.nodeId, epoch: 7 },
  ]) {
    assert.equal(parseLeaderEnvelope(bad), null, JSON.stringify(bad));
  }
});
