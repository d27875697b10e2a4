import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';

import { MetricsService } from '@lib-stream/nest-kit';

@Injectable()
export class PulseMetrics {
  readonly pulses: Counter;
  readonly entriesPublished: Counter;
  readonly entriesDropped: Counter<'reason'>;
  readonly tickDuration: Histogram;
  readonly lag: Gauge;
  readonly partitionsHeld: Gauge;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.pulses = new Counter({ name: 'lib_stream_pulses_published_total', help: 'Sentiment pulses published', registers });
    this.entriesPublished = new Counter({ name: 'lib_stream_pulse_entries_published_total', help: 'Sentiment entries published in pulses', registers });
    this.entriesDropped = new Counter({
      name: 'lib_stream_pulse_entries_dropped_total',
      help: 'Sentiment entries not published, by reason (overflow: over the max batch; expired: waited past 2x the interval)',
      labelNames: ['reason'],
      registers,
    });
    this.tickDuration = new Histogram({ name: 'lib_stream_pulse_tick_duration_seconds', help: 'Duration of one publishing tick', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10], registers });
    this.lag = new Gauge({ name: 'lib_stream_pulse_tick_lag_seconds', help: 'How late the last tick started against its schedule', registers });
    this.partitionsHeld = new Gauge({ name: 'lib_stream_pulse_partitions_held', help: 'Session partitions this replica leases and publishes pulses for', registers });
  }
}
