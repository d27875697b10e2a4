import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';

import { MessagePatterns } from '@lib-stream/contracts';
import { PulseSettings, SERVICE_IDENTITY, ServiceIdentity } from '@lib-stream/nest-kit';

import { PartitionLeases } from '../pulse/partitions/partition-leases';

@Controller()
export class PublisherInfoController {
  constructor(
    private readonly pulse: PulseSettings,
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
    private readonly leases: PartitionLeases,
  ) {}

  /** `partitions`: the session partitions this replica publishes, of `partitionCount`. */
  @MessagePattern(MessagePatterns.PulsePublisherInfo)
  info(): { instanceId: string; version: string; pulseIntervalSeconds: number; partitionCount: number; partitions: number[] } {
    return {
      instanceId: this.identity.instanceId,
      version: this.identity.version,
      pulseIntervalSeconds: this.pulse.intervalSeconds,
      partitionCount: this.leases.partitionCount,
      partitions: this.leases.held(),
    };
  }
}
