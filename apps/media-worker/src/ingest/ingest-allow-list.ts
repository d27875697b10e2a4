import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';

import { CameraKeys, type CameraCredentialsChange, InternalChannels } from '@lib-stream/contracts';
import { REDIS, scanKeyBatches, subscribeRedis } from '@lib-stream/nest-kit';
import { hashStreamKey } from '@lib-stream/stream-key';

import { cameraInUrl } from './camera-source';

/** How often the allow-list generation is compared, in case a rebuild notice was missed. */
const GENERATION_POLL_MS = 2000;

/**
 * Which stream-key hashes may publish, kept in memory: node-media-server's prePublish is
 * synchronous, so the decision cannot wait for Redis. Loaded at start-up and kept current by the
 * credentials channel control-api publishes on every create, reset and delete, and reloaded when
 * control-api rebuilds the list from its database (a new generation) after Redis lost it.
 */
@Injectable()
export class IngestAllowList implements OnApplicationShutdown {
  private readonly logger = new Logger('IngestAllowList');
  private readonly cameraByKeyHash = new Map<string, string>();
  private readonly revokedListeners: ((keyHash: string) => void)[] = [];
  private subscriber: Redis | null = null;
  private generation: string | null = null;
  private generationPoll: NodeJS.Timeout | null = null;
  private reloadRetry: NodeJS.Timeout | null = null;
  private following: Promise<void> | null = null;

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async start(): Promise<void> {
    const { connection, subscribed, onResubscribed } = subscribeRedis(this.redis, { channels: [InternalChannels.CameraCredentials, InternalChannels.CameraAllowListRebuilt] });
    this.subscriber = connection;
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === InternalChannels.CameraAllowListRebuilt) void this.followGeneration();
      else this.applyNotice(message);
    });
    // Subscribe before loading, so a change made during the load is not missed.
    await subscribed;
    await this.reload();
    // A change published while the subscriber was disconnected is lost to it: every reconnect is
    // followed by a full reload, once Redis has the subscription again (a reload on 'ready' could read
    // the keys before a change whose notice then came before the re-subscribe: lost for good).
    onResubscribed(() => void this.reloadAfterReconnect());
    this.generationPoll = setInterval(() => void this.followGeneration(), GENERATION_POLL_MS);
    this.generationPoll.unref();
  }

  /**
   * Replaces the in-memory list with what Redis holds now. Keys that vanished can no longer start a
   * publish, but live publishers are not cut: after a Redis loss the list is empty until control-api
   * rebuilds it from the database, and cameras must not drop for that. Explicit revocations still cut.
   */
  async reload(): Promise<void> {
    // Read before the keys: a rebuild finishing during the scan then shows as a newer generation.
    const generation = await this.redis.get(CameraKeys.allowListGeneration());
    const loaded = new Map<string, string>();
    for await (const keys of scanKeyBatches(this.redis, CameraKeys.keyIndexPattern(), 1000)) {
      if (keys.length === 0) continue;
      const cameraIds = await this.redis.mget(keys);
      keys.forEach((key, i) => {
        const cameraId = cameraIds[i];
        if (cameraId) loaded.set(key.slice(CameraKeys.keyIndex('').length), cameraId);
      });
    }
    this.cameraByKeyHash.clear();
    for (const [keyHash, cameraId] of loaded) this.cameraByKeyHash.set(keyHash, cameraId);
    this.generation = generation;
    this.logger.log({ msg: 'ingest allow-list loaded', cameras: this.cameraByKeyHash.size });
  }

  private async reloadAfterReconnect(): Promise<void> {
    try {
      // No generation: Redis came back empty. The list held here is the best there is until
      // control-api has rebuilt it from the database; followGeneration reloads then.
      if (this.generation !== null && !(await this.redis.exists(CameraKeys.allowListGeneration()))) return;
      const before = [...this.cameraByKeyHash.keys()];
      const generationBefore = this.generation;
      await this.reload();
      // The same generation: no rebuild since, so a key gone from Redis was revoked (rotated or its
      // camera deleted) while the notice could not reach us. Its publishers are cut as the notice would
      // have cut them; a key that only vanished with Redis (a new generation, or none) cuts nobody.
      if (generationBefore === null || this.generation !== generationBefore) return;
      for (const keyHash of before) {
        if (this.cameraByKeyHash.has(keyHash)) continue;
        for (const listener of this.revokedListeners) listener(keyHash);
      }
    } catch (error) {
      // The command connection may come back a moment after the subscriber; try once more shortly.
      this.logger.warn({ msg: 'allow-list reload after reconnect failed, retrying', error: (error as Error).message });
      this.reloadRetry = setTimeout(() => {
        this.reloadRetry = null;
        void this.reloadAfterReconnect();
      }, 1000);
      this.reloadRetry.unref();
    }
  }

  cameraFor(keyHash: string): string | undefined {
    return this.cameraByKeyHash.get(keyHash);
  }

  /** The camera whose key appears in a URL (see cameraInUrl: a camera's ingest URL, however decorated), or null. */
  cameraForUrl(url: string): string | null {
    return cameraInUrl(url, (key) => this.cameraFor(hashStreamKey(key)));
  }

  onRevoked(listener: (keyHash: string) => void): void {
    this.revokedListeners.push(listener);
  }

  /** Reloads when control-api has rebuilt the list since the last load (a notice, or the poll). */
  private followGeneration(): Promise<void> {
    this.following ??= (async () => {
      try {
        const generation = await this.redis.get(CameraKeys.allowListGeneration());
        if (generation && generation !== this.generation) await this.reload();
      } catch (error) {
        this.logger.debug({ msg: 'allow-list generation check failed', error: (error as Error).message });
      } finally {
        this.following = null;
      }
    })();
    return this.following;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.generationPoll) clearInterval(this.generationPoll);
    if (this.reloadRetry) clearTimeout(this.reloadRetry);
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  /**
   * A credentials notice, parsed defensively: this runs inside ioredis's event emitter, where a throw
   * is an uncaught exception that would stop the worker. A malformed notice is logged (what was wrong,
   * never the message: it may hold key hashes) and ignored.
   */
  private applyNotice(message: string): void {
    let change: unknown;
    try {
      change = JSON.parse(message);
    } catch {
      this.logger.warn({ msg: 'ignored a camera-credentials notice that is not JSON' });
      return;
    }
    const problem = credentialsChangeProblem(change);
    if (problem) {
      this.logger.warn({ msg: 'ignored a malformed camera-credentials notice', problem });
      return;
    }
    this.apply(change as CameraCredentialsChange);
  }

  private apply(change: CameraCredentialsChange): void {
    if (change.revokedKeyHash) {
      this.cameraByKeyHash.delete(change.revokedKeyHash);
      for (const listener of this.revokedListeners) listener(change.revokedKeyHash);
    }
    if (change.keyHash) this.cameraByKeyHash.set(change.keyHash, change.cameraId);
  }
}

/** What is wrong with a parsed credentials notice (naming fields, never their values), or null. */
function credentialsChangeProblem(change: unknown): string | null {
  if (typeof change !== 'object' || change === null || Array.isArray(change)) return 'not an object';
  const { cameraId, keyHash, revokedKeyHash } = change as Record<string, unknown>;
  if (typeof cameraId !== 'string') return 'cameraId is not a string';
  if (keyHash !== null && typeof keyHash !== 'string') return 'keyHash is neither a string nor null';
  if (revokedKeyHash !== null && typeof revokedKeyHash !== 'string') return 'revokedKeyHash is neither a string nor null';
  return null;
}
