import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';

import { EventTopic } from '@lib-stream/contracts';

import { withDeadline } from '../async/deadline';
import { SERVICE_IDENTITY } from '../config/config.tokens';
import type { ServiceIdentity } from '../identity';
import { EventBus, eventHeader } from './event-bus';

/**
 * How long the offline notice may hold up shutdown. With Redis gone just before it (the transport
 * still looks connected), the publish waits through the transport's retries, about 33 s: past the
 * shutdown timeout, so the app would be killed instead of stopping cleanly.
 */
const OFFLINE_DEADLINE_MS = 1000;

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
    try {
      // announce() never rejects: only the deadline does.
      await withDeadline(this.announce(EventTopic.InstanceOffline), OFFLINE_DEADLINE_MS, () => new Error('deadline'));
    } catch {
      this.logger.warn({ msg: 'lifecycle event not published before the shutdown deadline', topic: EventTopic.InstanceOffline, deadlineMs: OFFLINE_DEADLINE_MS });
    }
  }

  private async announce(topic: typeof EventTopic.InstanceOnline | typeof EventTopic.InstanceOffline): Promise<void> {
    try {
      await this.events.publish(topic, { ...eventHeader(), ...this.identity });
    } catch (error) {
      this.logger.warn({ msg: 'could not publish lifecycle event', topic, error: (error as Error).message });
    }
  }
}
