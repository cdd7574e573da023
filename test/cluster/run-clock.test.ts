// The gateway's clocks for bounds on the other side's silence (src/cluster/run-clock.ts): wall time while the
// loop turns, at most one step for a stretch the loop was held; a leader heard before a held loop is still the
// leader after it, while real silence is still caught.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeaderWatch } from '../../src/cluster/leader-watch.js';
import { RunClock } from '../../src/cluster/run-clock.js';

const leader = { nodeId: 'host-1-aaaaaa', epoch: 3, since: 1_000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Holds this thread's event loop, as a long synchronous fan-out does. */
function holdLoop(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

test('a run clock follows wall time in steps and counts at most one step for a gap', () => {
  let wall = 0;
  const c = new RunClock(200, () => wall);
  wall = 150;
  assert.equal(c.now(), 150);
  wall = 300;
  assert.equal(c.now(), 300);
  wall = 10_300; // ten seconds without a reading
  assert.equal(c.now(), 500);
  wall = 10_200; // a wall clock that steps back counts nothing
  assert.equal(c.now(), 500);
  wall = 10_300;
  assert.equal(c.now(), 600);
});

test('a loop held past the leader bound does not make a leader heard just before it silent; real silence does', async () => {
  const bound = 1_500;
  const ticking = new RunClock(200);
  const tick = setInterval(() => ticking.now(), 100);
  try {
    const onRunTime = new LeaderWatch(bound);
    const onWallTime = new LeaderWatch(bound);
    onRunTime.heard(leader, ticking.now());
    onWallTime.heard(leader, Date.now());
    holdLoop(bound + 500);
    // What a gateway sees first after the held loop, before the leader's queued announcement is read:
    assert.match(String(onWallTime.state(Date.now()).problem), /no engine leader/, 'wall time calls it silent');
    assert.equal(onRunTime.state(ticking.now()).problem, null, 'running time does not');
    // With the loop free and nothing heard, the bound passes in running time too.
    await sleep(bound + 400);
    assert.match(
      String(onRunTime.state(ticking.now()).problem),
      /no engine leader: the last one \(host-1-aaaaaa, epoch 3\)/,
    );
  } finally {
    clearInterval(tick);
  }
});
