import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';

import { CameraKeys, type CameraCredentialsChange, InternalChannels } from '@lib-stream/contracts';
import { REDIS, duplicateRedis } from '@lib-stream/nest-kit';

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
    this.subscriber = duplicateRedis(this.redis);
    this.subscriber.on('message', (_channel: string, message: string) => this.apply(JSON.parse(message) as CameraCredentialsChange));
    // Subscribe before loading, so a change made during the load is not missed.
    await this.subscriber.subscribe(InternalChannels.CameraCredentials);
    await this.reload();
    // A change published while the subscriber was disconnected is lost to it: every reconnect
    // (ioredis re-subscribes first) is followed by a full reload.
    this.subscriber.on('ready', () => void this.reloadAfterReconnect());
  }

  /**
   * Replaces the in-memory list with what Redis holds now. Keys that vanished can no longer start a
   * publish, but live publishers are not cut: after a Redis loss the list is empty until control-api
   * rebuilds it from the database, and cameras must not drop for that. Explicit revocations still cut.
   */
  async reload(): Promise<void> {
    const loaded = new Map<string, string>();
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', CameraKeys.keyIndexPattern(), 'COUNT', 1000);
      cursor = next;
      if (keys.length === 0) continue;
      const cameraIds = await this.redis.mget(keys);
      keys.forEach((key, i) => {
        const cameraId = cameraIds[i];
        if (cameraId) loaded.set(key.slice(CameraKeys.keyIndex('').length), cameraId);
      });
    } while (cursor !== '0');
    this.cameraByKeyHash.clear();
    for (const [keyHash, cameraId] of loaded) this.cameraByKeyHash.set(keyHash, cameraId);
    this.logger.log({ msg: 'ingest allow-list loaded', cameras: this.cameraByKeyHash.size });
  }

  private async reloadAfterReconnect(): Promise<void> {
    try {
      await this.reload();
    } catch (error) {
      // The command connection may come back a moment after the subscriber; try once more shortly.
      this.logger.warn({ msg: 'allow-list reload after reconnect failed, retrying', error: (error as Error).message });
      setTimeout(() => void this.reloadAfterReconnect(), 1000).unref();
    }
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
