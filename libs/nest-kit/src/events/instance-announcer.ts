import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';

import { EventTopic } from '@lib-stream/contracts';

import { SERVICE_IDENTITY } from '../config/config.tokens';
import type { ServiceIdentity } from '../identity';
import { EventBus, eventHeader } from './event-bus';

/** Publishes `stream.instance.online` when the app is up and `stream.instance.offline` when it stops. */
@Injectable()
export class InstanceAnnouncer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(InstanceAnnouncer.name);

  constructor(
    private readonly events: EventBus,
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
  ) {}

  onApplicationBootstrap(): void {
    // Not awaited: start-up must not block on Redis; a failure is logged and the app carries on.
    void this.announce(EventTopic.InstanceOnline);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.announce(EventTopic.InstanceOffline);
  }

  private async announce(topic: typeof EventTopic.InstanceOnline | typeof EventTopic.InstanceOffline): Promise<void> {
    try {
      await this.events.publish(topic, { ...eventHeader(), ...this.identity });
    } catch (error) {
      this.logger.warn({ msg: 'could not publish lifecycle event', topic, error: (error as Error).message });
    }
  }
}
