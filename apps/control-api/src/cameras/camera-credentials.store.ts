import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';

import { CameraKeys, type CameraRegistryEntry, InternalChannels } from '@lib-stream/contracts';
import { REDIS, scanKeys } from '@lib-stream/nest-kit';

export interface CameraCredentials {
  cameraId: string;
  name: string;
  keyHash: string;
  expectedWidth: number | null;
  expectedHeight: number | null;
  createdAt: string;
}

/**
 * Camera ingest credentials in Redis (store `stream-cameras`), next to the live registry the media
 * workers maintain. Only the key's hash is kept; every change is announced to the workers so their
 * allow-lists follow at once.
 */
@Injectable()
export class CameraCredentialsStore {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async create(credentials: CameraCredentials): Promise<void> {
    await this.redis
      .multi()
      .hset(CameraKeys.credentials(credentials.cameraId), serialize(credentials))
      .set(CameraKeys.keyIndex(credentials.keyHash), credentials.cameraId)
      .sadd(CameraKeys.credentialIds(), credentials.cameraId)
      .exec();
    await this.announce(credentials.cameraId, credentials.keyHash, null);
  }

  async get(cameraId: string): Promise<CameraCredentials | null> {
    const fields = await this.redis.hgetall(CameraKeys.credentials(cameraId));
    return fields.cameraId ? deserialize(fields) : null;
  }

  async list(): Promise<CameraCredentials[]> {
    const ids = await this.redis.smembers(CameraKeys.credentialIds());
    const all = await Promise.all(ids.map((id) => this.get(id)));
    return all.filter((c): c is CameraCredentials => c !== null).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async replaceKey(cameraId: string, oldKeyHash: string, newKeyHash: string): Promise<void> {
    await this.redis
      .multi()
      .hset(CameraKeys.credentials(cameraId), 'keyHash', newKeyHash)
      .del(CameraKeys.keyIndex(oldKeyHash))
      .set(CameraKeys.keyIndex(newKeyHash), cameraId)
      .exec();
    await this.announce(cameraId, newKeyHash, oldKeyHash);
  }

  async delete(credentials: CameraCredentials): Promise<void> {
    await this.redis
      .multi()
      .del(CameraKeys.credentials(credentials.cameraId))
      .del(CameraKeys.keyIndex(credentials.keyHash))
      .srem(CameraKeys.credentialIds(), credentials.cameraId)
      .exec();
    await this.announce(credentials.cameraId, null, credentials.keyHash);
  }

  async registryEntry(cameraId: string): Promise<CameraRegistryEntry | null> {
    const raw = await this.redis.get(CameraKeys.registry(cameraId));
    return raw ? (JSON.parse(raw) as CameraRegistryEntry) : null;
  }

  /** Every registered camera, including those announced by game engines. */
  async registryEntries(): Promise<CameraRegistryEntry[]> {
    const keys = await scanKeys(this.redis, CameraKeys.registryPattern());
    if (keys.length === 0) return [];
    const values = await this.redis.mget(keys);
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as CameraRegistryEntry);
  }

  private async announce(cameraId: string, keyHash: string | null, revokedKeyHash: string | null): Promise<void> {
    await this.redis.publish(InternalChannels.CameraCredentials, JSON.stringify({ cameraId, keyHash, revokedKeyHash }));
  }
}

function serialize(c: CameraCredentials): Record<string, string> {
  return {
    cameraId: c.cameraId,
    name: c.name,
    keyHash: c.keyHash,
    expectedWidth: c.expectedWidth === null ? '' : String(c.expectedWidth),
    expectedHeight: c.expectedHeight === null ? '' : String(c.expectedHeight),
    createdAt: c.createdAt,
  };
}

function deserialize(f: Record<string, string>): CameraCredentials {
  return {
    cameraId: f.cameraId,
    name: f.name,
    keyHash: f.keyHash,
    expectedWidth: f.expectedWidth ? Number(f.expectedWidth) : null,
    expectedHeight: f.expectedHeight ? Number(f.expectedHeight) : null,
    createdAt: f.createdAt,
  };
}
