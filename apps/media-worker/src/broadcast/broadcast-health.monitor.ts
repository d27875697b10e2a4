import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';

import type { BroadcastHealth, DestinationState } from '@lib-stream/contracts';
import { BroadcastTimingSettings, MetricsService } from '@lib-stream/nest-kit';

import { BroadcastCoordinator } from './broadcast-coordinator';

const HEALTHS: BroadcastHealth[] = ['healthy', 'degraded', 'unhealthy', 'stopped'];
const DESTINATION_STATES: DestinationState[] = ['connecting', 'live', 'retrying', 'failed', 'stopped'];

/**
 * BroadcastHealthMonitor: every STREAM_BROADCAST_HEALTH_CHECK_INTERVAL_SECONDS it exports this
 * worker's broadcasts as Prometheus gauges and logs health transitions. The health itself comes from
 * FFmpeg's progress (frames and bytes moving), judged by the runners; restarts happen there, at once.
 */
@Injectable()
export class BroadcastHealthMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('BroadcastHealth');
  private readonly broadcasts: Gauge<'health'>;
  private readonly destinations: Gauge<'state'>;
  private readonly restarts: Gauge;
  readonly sourceChanges: Counter<'to'>;
  readonly adoptions: Counter;
  private readonly lastHealth = new Map<string, BroadcastHealth>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly timing: BroadcastTimingSettings,
    private readonly coordinator: BroadcastCoordinator,
    metrics: MetricsService,
  ) {
    const registers = [metrics.registry];
    this.broadcasts = new Gauge({ name: 'lib_stream_broadcasts', help: 'Broadcasts owned by this worker, by health', labelNames: ['health'], registers });
    this.destinations = new Gauge({ name: 'lib_stream_broadcast_destinations', help: 'Destinations of this worker\'s broadcasts, by state', labelNames: ['state'], registers });
    this.restarts = new Gauge({ name: 'lib_stream_broadcast_source_restarts', help: 'Source process restarts of the broadcasts on this worker', registers });
    this.sourceChanges = new Counter({ name: 'lib_stream_broadcast_source_changes_total', help: 'Fallback cascade moves, by the source moved to', labelNames: ['to'], registers });
    this.adoptions = new Counter({ name: 'lib_stream_broadcast_adoptions_total', help: 'Broadcasts taken over from a worker that died or handed them over', registers });
    coordinator.onSourceChange((_runner, _previous, to) => this.sourceChanges.labels(to).inc());
    coordinator.onAdoption(() => this.adoptions.inc());
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.check(), this.timing.healthCheckIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  check(): void {
    const healthCounts = Object.fromEntries(HEALTHS.map((h) => [h, 0])) as Record<BroadcastHealth, number>;
    const stateCounts = Object.fromEntries(DESTINATION_STATES.map((s) => [s, 0])) as Record<DestinationState, number>;
    let restarts = 0;
    const seen = new Set<string>();
    for (const runner of this.coordinator.localRunners()) {
      const health = runner.health();
      healthCounts[health]++;
      restarts += runner.restarts();
      for (const destination of runner.destinations()) stateCounts[destination.state]++;
      seen.add(runner.broadcastId);
      const previous = this.lastHealth.get(runner.broadcastId);
      if (previous && previous !== health) {
        const log = health === 'healthy' ? 'log' : 'warn';
        this.logger[log]({ msg: 'broadcast health changed', broadcastId: runner.broadcastId, from: previous, to: health, videoSourceType: runner.videoSourceType() });
      }
      this.lastHealth.set(runner.broadcastId, health);
    }
    for (const id of this.lastHealth.keys()) if (!seen.has(id)) this.lastHealth.delete(id);
    for (const health of HEALTHS) this.broadcasts.labels(health).set(healthCounts[health]);
    for (const state of DESTINATION_STATES) this.destinations.labels(state).set(stateCounts[state]);
    this.restarts.set(restarts);
  }
}
