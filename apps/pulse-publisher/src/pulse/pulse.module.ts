import { Module } from '@nestjs/common';

import { BufferDrain } from './buffer-drain';
import { PartitionLeases } from './partitions/partition-leases';
import { PulseMetrics } from './pulse-metrics';
import { PulseScheduler } from './pulse-scheduler';
import { PulseTicker } from './pulse-ticker';

@Module({
  exports: [PartitionLeases, PulseScheduler, PulseTicker],
  providers: [BufferDrain, PartitionLeases, PulseMetrics, PulseScheduler, PulseTicker],
})
export class PulseModule {}
