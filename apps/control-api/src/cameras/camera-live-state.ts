import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';

import { CameraKeys, type CameraRegistryEntry } from '@lib-stream/contracts';
import { REDIS, scanKeys } from '@lib-stream/nest-kit';

/**
 * Reads the live registry the media workers keep in Redis. Live state is an extra on top of the
 * database's records, so a Redis failure answers `undefined` ("unknown") instead of failing the
 * request: an operator still sees every camera while Redis is away.
 */
@Injectable()
export class CameraLiveState {
  private readonly logger = new Logger('CameraLiveState');

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** The entry, null when the camera is not live, undefined when Redis cannot say. */
  async entry(cameraId: string): Promise<CameraRegistryEntry | null | undefined> {
    let raw: string | null;
    try {
      raw = await this.redis.get(CameraKeys.registry(cameraId));
    } catch (error) {
      this.unavailable(error);
      return undefined;
    }
    return raw ? (JSON.parse(raw) as CameraRegistryEntry) : null;
  }

  /** Every registered camera (engine-announced ones too) by id, or undefined when Redis cannot say. */
  async entries(): Promise<Map<string, CameraRegistryEntry> | undefined> {
    let values: (string | null)[];
    try {
      const keys = await scanKeys(this.redis, CameraKeys.registryPattern());
      values = keys.length === 0 ? [] : await this.redis.mget(keys);
    } catch (error) {
      this.unavailable(error);
      return undefined;
    }
    const entries = values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as CameraRegistryEntry);
    return new Map(entries.map((e) => [e.cameraId, e]));
  }

  private unavailable(error: unknown): void {
    this.logger.warn({ msg: 'camera live state unavailable, answering from the database', error: (error as Error).message });
  }
}
