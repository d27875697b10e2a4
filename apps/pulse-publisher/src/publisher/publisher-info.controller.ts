import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';

import { MessagePatterns } from '@lib-stream/contracts';
import { APP_CONFIG, AppConfig, SERVICE_IDENTITY, ServiceIdentity } from '@lib-stream/nest-kit';

import { PartitionLeases } from '../pulse/partitions/partition-leases';

@Controller()
export class PublisherInfoController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
    private readonly leases: PartitionLeases,
  ) {}

  /** `partitions`: the session partitions this replica publishes, of `partitionCount`. */
  @MessagePattern(MessagePatterns.PulsePublisherInfo)
  info(): { instanceId: string; version: string; pulseIntervalSeconds: number; partitionCount: number; partitions: number[] } {
    return {
      instanceId: this.identity.instanceId,
      version: this.identity.version,
      pulseIntervalSeconds: this.config.STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS,
      partitionCount: this.leases.partitionCount,
      partitions: this.leases.held(),
    };
  }
}
