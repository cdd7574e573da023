// The JetStream stream that carries commands from gateways to the engine: created by whichever node starts first
// (same config from every node), with a duplicate window so a command republished with the same Nats-Msg-Id
// (its command id) is stored once.

import { type JetStreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { ClusterNames } from './wire.js';

/** Commands are kept this long: far beyond any command's deadline, so a restarted engine finds what it missed. */
const COMMAND_RETENTION_MS = 24 * 3600 * 1000;

export async function ensureCommandStream(
  jsm: JetStreamManager,
  names: ClusterNames,
  duplicateWindowMs: number,
): Promise<void> {
  const config = {
    name: names.commandStream,
    subjects: [names.commandSubject],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(COMMAND_RETENTION_MS),
    duplicate_window: nanos(duplicateWindowMs),
  };
  try {
    await jsm.streams.info(names.commandStream);
  } catch {
    try {
      await jsm.streams.add(config);
    } catch (e) {
      // Another node created it meanwhile: fine when it now exists.
      await jsm.streams.info(names.commandStream).catch(() => {
        throw e;
      });
    }
  }
}
