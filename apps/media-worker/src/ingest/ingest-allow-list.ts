import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';

import { CameraKeys, type CameraCredentialsChange, InternalChannels } from '@lib-stream/contracts';
import { REDIS } from '@lib-stream/nest-kit';

/**
 * Which stream-key hashes may publish, kept in memory: node-media-server's prePublish is
 * synchronous, so the decision cannot wait for Redis. Loaded at start-up and kept current by the
 * credentials channel control-api publishes on every create, reset and delete.
 */
@Injectable()
export class IngestAllowList implements OnApplicationShutdown {
  private readonly logger = new Logger('IngestAllowList');
  private readonly cameraByKeyHash = new Map<string, string>();
  private readonly revokedListeners: ((keyHash: string) => void)[] = [];
  private subscriber: Redis | null = null;

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async start(): Promise<void> {
    this.subscriber = this.redis.duplicate();
    this.subscriber.on('message', (_channel: string, message: string) => this.apply(JSON.parse(message) as CameraCredentialsChange));
    // Subscribe before loading, so a change made during the load is not missed.
    await this.subscriber.subscribe(InternalChannels.CameraCredentials);
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', CameraKeys.keyIndexPattern(), 'COUNT', 1000);
      cursor = next;
      if (keys.length === 0) continue;
      const cameraIds = await this.redis.mget(keys);
      keys.forEach((key, i) => {
        const cameraId = cameraIds[i];
        if (cameraId) this.cameraByKeyHash.set(key.slice(CameraKeys.keyIndex('').length), cameraId);
      });
    } while (cursor !== '0');
    this.logger.log({ msg: 'ingest allow-list loaded', cameras: this.cameraByKeyHash.size });
  }

  cameraFor(keyHash: string): string | undefined {
    return this.cameraByKeyHash.get(keyHash);
  }

  onRevoked(listener: (keyHash: string) => void): void {
    this.revokedListeners.push(listener);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  private apply(change: CameraCredentialsChange): void {
    if (change.revokedKeyHash) {
      this.cameraByKeyHash.delete(change.revokedKeyHash);
      for (const listener of this.revokedListeners) listener(change.revokedKeyHash);
    }
    if (change.keyHash) this.cameraByKeyHash.set(change.keyHash, change.cameraId);
  }
}
