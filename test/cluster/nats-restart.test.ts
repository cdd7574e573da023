// Restart NATS under load (child processes; a private nats-server and PostgreSQL of this test's own, the shared
// services are not touched): two engines (leader + standby), two gateways, users trading over HTTP and /ws. The
// broker is stopped for a few seconds, longer than the leader lease, and started again on the same port and store
// dir. Then: no acknowledged order lost, none placed twice, every gateway ready again within seconds, every private
// stream on every gateway exactly the log (what was published while the broker was gone is filled from PostgreSQL),
// and one leader throughout: the leader takes its own lease back, the standby does not take over.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needPrivateServices } from './private-services.js';
import { RestartLab } from './restart-lab.js';

const DOWN_MS = 3_000;

if (needPrivateServices('cluster: restart NATS under load')) {
  test(
    'restart NATS under load: nothing acknowledged is lost, gateways recover, one leader',
    { timeout: 180_000 },
    async () => {
      const lab = await RestartLab.start();
      try {
        lab.startTrading();
        await lab.ordersAcked(100);
        const stoppedAt = Date.now();
        await lab.nats.stop();
        await new Promise((r) => setTimeout(r, DOWN_MS));
        await lab.nats.start();
        const startedAt = Date.now();
        const ready = await lab.readyAgain(startedAt);
        await lab.ordersAcked(100);
        const firstAck = (lab.ackTimes.find((t) => t >= startedAt) as number) - startedAt;
        console.log(
          `NATS down ${startedAt - stoppedAt} ms (lease 1500 ms): every gateway /readyz 200 again ${ready} ms after ` +
            `the broker was back, first acknowledged order after ${firstAck} ms; not-ready polls per gateway ` +
            `${lab.notReadyPolls(stoppedAt).join('/')}; refused answers by code ${JSON.stringify([...lab.refused])}`,
        );
        assert.ok(
          lab.notReadyPolls(stoppedAt).every((n) => n > 0),
          'every gateway said it was not ready meanwhile',
        );
        assert.ok(ready < 10_000, `gateways ready within 10 s (took ${ready} ms)`);
        await lab.stopTrading();
        await lab.check();
      } finally {
        await lab.close();
      }
    },
  );
}
