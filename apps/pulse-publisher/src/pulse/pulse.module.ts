import { Module } from '@nestjs/common';

import { BufferDrain } from './buffer-drain';
import { PulseLeader } from './pulse-leader';
import { PulseMetrics } from './pulse-metrics';
import { PulseTicker } from './pulse-ticker';

@Module({
  exports: [PulseLeader, PulseTicker],
  providers: [BufferDrain, PulseLeader, PulseMetrics, PulseTicker],
})
export class PulseModule {}
