// Restart PostgreSQL under load (child processes; a private PostgreSQL and nats-server of this test's own, the
// shared services are not touched): two engines (leader + standby), two gateways, users trading over HTTP and /ws.
// `pg_ctl restart -m fast` cuts every connection, three times. Each time the leader pauses (commands answered 5001
// or held, never lost) and resumes by itself; the standby does not take over; every acknowledged order is there
// once, none twice, every gateway is ready again within seconds and every private stream on every gateway is
// exactly the log. (Three restarts: a connection cut between two statements of a batch is a matter of timing.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needPrivateServices } from './private-services.js';
import { RestartLab } from './restart-lab.js';

const RESTARTS = 3;

if (needPrivateServices('cluster: restart PostgreSQL under load')) {
  test(
    'restart PostgreSQL under load: the leader pauses and resumes, nothing acknowledged is lost',
    { timeout: 180_000 },
    async () => {
      const lab = await RestartLab.start();
      try {
        lab.startTrading();
        await lab.ordersAcked(100);
        for (let i = 1; i <= RESTARTS; i++) {
          const stoppedAt = Date.now();
          await lab.pg.restart();
          const startedAt = Date.now();
          const ready = await lab.readyAgain(startedAt);
          await lab.ordersAcked(100);
          const firstAck = (lab.ackTimes.find((t) => t >= startedAt) as number) - startedAt;
          console.log(
            `restart ${i}: pg_ctl restart -m fast took ${startedAt - stoppedAt} ms; every gateway /readyz 200 ` +
              `again ${ready} ms after, first acknowledged order after ${firstAck} ms; not-ready polls per gateway ` +
              `${lab.notReadyPolls(stoppedAt).join('/')}; refused answers so far by code ` +
              `${JSON.stringify([...lab.refused])}`,
          );
          assert.ok(ready < 10_000, `gateways ready within 10 s (took ${ready} ms)`);
          assert.equal(lab.leader.child.exitCode, null, `the leader still runs: ${lab.leader.output().slice(-3000)}`);
        }
        await lab.stopTrading();
        await lab.check();
      } finally {
        await lab.close();
      }
    },
  );
}
