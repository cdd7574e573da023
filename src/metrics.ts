// Prometheus metrics of one server instance (its own registry, so tests can
// run several servers in one process): HTTP, engine queue, commits, orders,
// and the push figures the WebSocket layer fills in. A cluster gateway adds
// the engines' leadership (trackLeadership) and the settles of commands that
// got no answer in time (trackSettles): serve has neither.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EngineLeader, EngineLeadership, SettleOutcome } from './pipeline/engine-port.js';
import type { BatchStages } from './pipeline/protocol.js';

/** The stages of fillstream_order_stage_seconds, in the order a command passes them (then their sum). */
export const ORDER_STAGES = [
  'to_engine',
  'match',
  'wait_commit',
  'commit',
  'sync',
  'to_gateway',
  'push',
  'total',
] as const;

export class Metrics {
  readonly registry = new Registry();
  /** Labelled children by "route status", so a request does not hash its labels twice. */
  private readonly httpChildren = new Map<
    string,
    { readonly count: { inc(): void }; readonly latency: { observe(v: number): void } }
  >();

  /** Counts one answered request and its latency (seconds). */
  observeHttp(route: string, status: number, seconds: number): void {
    const key = `${route} ${status}`;
    let c = this.httpChildren.get(key);
    if (c === undefined) {
      c = { count: this.httpRequests.labels(route, String(status)), latency: this.httpLatency.labels(route) };
      this.httpChildren.set(key, c);
    }
    c.count.inc();
    c.latency.observe(seconds);
  }

  readonly httpRequests = new Counter({
    name: 'fillstream_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpLatency = new Histogram({
    name: 'fillstream_http_request_seconds',
    help: 'HTTP request latency',
    labelNames: ['route'] as const,
    buckets: [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.5, 1],
    registers: [this.registry],
  });
  readonly orders = new Counter({
    name: 'fillstream_orders_total',
    help: 'create_order outcomes by result code',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'fillstream_engine_queue_depth',
    help: 'Commands sent to the engine and not yet committed',
    registers: [this.registry],
  });
  readonly queueRejects = new Counter({
    name: 'fillstream_engine_queue_full_total',
    help: 'Commands refused with 5001 because the queue was full',
    registers: [this.registry],
  });
  readonly commitLatency = new Histogram({
    name: 'fillstream_commit_seconds',
    help: 'Duration of one settlement transaction',
    buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5],
    registers: [this.registry],
  });
  readonly engineRoundTrip = new Histogram({
    name: 'fillstream_engine_roundtrip_seconds',
    help: 'From handing a command to the engine until its answer came back committed and durable',
    buckets: [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.5, 1],
    registers: [this.registry],
  });
  readonly commitSync = new Histogram({
    name: 'fillstream_commit_sync_seconds',
    help: 'From the end of a settlement transaction until the disk sync covering it returned (acks wait for it)',
    buckets: [0.0002, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.05, 0.1, 0.5],
    registers: [this.registry],
  });
  readonly eventsPruned = new Counter({
    name: 'fillstream_events_pruned_total',
    help: 'Private events deleted from the event log by retention',
    registers: [this.registry],
  });
  /**
   * Where a committed batch's time went, stage by stage, measured for its oldest command (protocol.ts BatchStages):
   * to_engine, match, wait_commit, commit, sync, to_gateway, push (pushes written), and total (the sum).
   */
  readonly orderStage = new Histogram({
    name: 'fillstream_order_stage_seconds',
    help: "Time a committed batch's oldest command spent in each stage from the gateway's hand-off to its pushes",
    labelNames: ['stage'] as const,
    buckets: [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1],
    registers: [this.registry],
  });
  private stageChildren: Array<{ observe(v: number): void }> | null = null;

  /**
   * Observes a batch's stages; `handledAt` and `pushedAt`: when the gateway took the batch and when its pushes were
   * written (stageClock()). Skipped where the transport did not measure the engine's side; where it does not know
   * when the command was handed to the engine (sentAt 0: a cluster engine, whose commands come through JetStream),
   * to_engine and total are left out and the other stages observed.
   */
  observeStages(s: BatchStages | undefined, handledAt: number, pushedAt: number): void {
    if (s === undefined || s.receivedAt === 0) return;
    const c = (this.stageChildren ??= ORDER_STAGES.map((stage) => this.orderStage.labels(stage)));
    const at = [s.sentAt, s.receivedAt, s.matchedAt, s.commitAt, s.committedAt, s.syncedAt, handledAt, pushedAt];
    for (let i = s.sentAt === 0 ? 1 : 0; i < 7; i++)
      (c[i] as { observe(v: number): void }).observe(Math.max(0, (at[i + 1] as number) - (at[i] as number)) / 1000);
    if (s.sentAt !== 0) (c[7] as { observe(v: number): void }).observe(Math.max(0, pushedAt - s.sentAt) / 1000);
  }

  readonly commitBatchSize = new Histogram({
    name: 'fillstream_commit_batch_commands',
    help: 'Commands per settlement transaction (group commit)',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000],
    registers: [this.registry],
  });
  readonly wsConnections = new Gauge({
    name: 'fillstream_ws_connections',
    help: 'Open WebSocket connections',
    registers: [this.registry],
  });
  readonly wsUsers = new Gauge({
    name: 'fillstream_ws_authenticated_users',
    help: 'Users with at least one authenticated WebSocket connection',
    registers: [this.registry],
  });
  readonly pushBytes = new Counter({
    name: 'fillstream_push_bytes_total',
    help: 'Bytes of messages pushed on WebSockets',
    registers: [this.registry],
  });
  readonly slowConsumerCloses = new Counter({
    name: 'fillstream_ws_slow_consumer_closes_total',
    help: 'Connections closed with 1013 because their unsent backlog passed the limit',
    registers: [this.registry],
  });
  readonly resumes = new Counter({
    name: 'fillstream_ws_resumes_total',
    help: 'Resumes from a seq (replays from storage)',
    registers: [this.registry],
  });
  readonly pushes = new Counter({
    name: 'fillstream_push_messages_total',
    help: 'Messages pushed on WebSockets',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly wsOrderResults = new Counter({
    name: 'fillstream_ws_order_results_total',
    help: 'order.result frames sent on WebSockets, by request type and code (0: done)',
    labelNames: ['type', 'code'] as const,
    registers: [this.registry],
  });
  readonly authFailures = new Counter({
    name: 'fillstream_auth_failures_total',
    help: 'Refused authentications (2001, 2002) and attempts refused by a failed-authentication ban (4291)',
    labelNames: ['channel', 'code'] as const,
    registers: [this.registry],
  });
  readonly pushLatency = new Histogram({
    name: 'fillstream_push_commit_to_send_seconds',
    help: 'From the commit of a private event to its send',
    buckets: [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05],
    registers: [this.registry],
  });

  readonly connectionsRefused = new Counter({
    name: 'fillstream_connections_refused_total',
    help: 'Connections refused by a cap',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private openConnections: () => number = () => 0;
  readonly connections: Gauge = new Gauge({
    name: 'fillstream_connections',
    help: 'Open TCP connections, HTTP and WebSocket together',
    registers: [this.registry],
    collect: (): void => this.connections.set(this.openConnections()),
  });

  // The engines' leadership, as this gateway hears it (registered by trackLeadership only).
  private leadership: () => EngineLeadership = () => ({ leader: null, problem: 'not tracked' });
  readonly leaderUp: Gauge = new Gauge({
    name: 'fillstream_engine_leader_up',
    help: '1 while a leader engine was heard within cluster.leaderTimeoutMs, else 0',
    registers: [],
    collect: (): void => this.leaderUp.set(this.leadership().problem === null ? 1 : 0),
  });
  readonly leaderEpoch = new Gauge({
    name: 'fillstream_engine_leader_epoch',
    help: 'Leadership epoch of the last leader engine heard',
    registers: [],
  });
  readonly leaderInfo = new Gauge({
    name: 'fillstream_engine_leader_info',
    help: 'Always 1, labelled with the node id of the last leader engine heard (one series at a time)',
    labelNames: ['node'] as const,
    registers: [],
  });
  readonly leaderChanges = new Counter({
    name: 'fillstream_engine_leader_changes_total',
    help: 'Leader changes this gateway saw (the first leader it heard is not one)',
    registers: [],
  });
  readonly lastLeaderChange = new Gauge({
    name: 'fillstream_engine_last_leader_change_timestamp_seconds',
    help: 'When the current leader engine took the lead (Unix time, seconds, its clock)',
    registers: [],
  });

  /** Registers the leadership metrics, read from `state` at each scrape and updated by leaderHeard(). */
  trackLeadership(state: () => EngineLeadership): void {
    this.leadership = state;
    for (const m of [this.leaderUp, this.leaderEpoch, this.leaderInfo, this.leaderChanges, this.lastLeaderChange]) {
      this.registry.registerMetric(m);
    }
  }

  /** A leader was heard for the first time or a new one took over. */
  leaderHeard(leader: EngineLeader, changed: boolean): void {
    if (changed) this.leaderChanges.inc();
    this.leaderEpoch.set(leader.epoch);
    this.leaderInfo.reset();
    this.leaderInfo.set({ node: leader.node }, 1);
    this.lastLeaderChange.set(leader.since / 1000);
  }

  readonly commandsSettled = new Counter({
    name: 'fillstream_cluster_commands_settled_total',
    help: 'Commands that got no answer in time, settled against the command log, by outcome',
    labelNames: ['outcome'] as const,
    registers: [],
  });

  /** Registers the settle counter (cluster gateways), every outcome's series from 0 on. */
  trackSettles(): void {
    this.registry.registerMetric(this.commandsSettled);
    for (const outcome of ['answered', 'not_applied', 'unknown'] as const) this.commandsSettled.inc({ outcome }, 0);
  }

  /** A command was settled (src/cluster/settle.ts). */
  settled(outcome: SettleOutcome): void {
    this.commandsSettled.inc({ outcome });
  }

  /** Where the open-connections gauge reads its value on each scrape. */
  trackConnections(count: () => number): void {
    this.openConnections = count;
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'fillstream_' });
  }
}
