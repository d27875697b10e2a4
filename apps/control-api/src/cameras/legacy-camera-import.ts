import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';

import { CameraKeys } from '@lib-stream/contracts';
import { REDIS } from '@lib-stream/nest-kit';

import { CameraEntity } from './camera.entity';
import { CamerasRepository } from './cameras.repository';

/**
 * Moves camera records written by earlier versions (Redis only, `stream:cam-cred:*`) into the
 * database, so an upgrade loses no camera. Each record is deleted from Redis once it is in the
 * database: a later API delete must not be undone by a second import. Idempotent; runs under the
 * camera lock, at start and whenever an older replica left records behind.
 */
@Injectable()
export class LegacyCameraImport {
  private readonly logger = new Logger('LegacyCameraImport');

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly cameras: CamerasRepository,
  ) {}

  async pending(): Promise<boolean> {
    return (await this.redis.scard(CameraKeys.credentialIds())) > 0;
  }

  async run(): Promise<number> {
    let imported = 0;
    for (const cameraId of await this.redis.smembers(CameraKeys.credentialIds())) {
      const fields = await this.redis.hgetall(CameraKeys.credentials(cameraId));
      if (fields.cameraId && fields.keyHash && !(await this.cameras.findById(fields.cameraId))) {
        await this.cameras.insert(fromLegacy(fields));
        imported++;
      }
      // Only after the insert committed (an error above leaves the record for the next attempt).
      await this.redis.multi().del(CameraKeys.credentials(cameraId)).srem(CameraKeys.credentialIds(), cameraId).exec();
    }
    if (imported > 0) this.logger.log({ msg: 'camera records imported from Redis into the database', cameras: imported });
    return imported;
  }
}

function fromLegacy(f: Record<string, string>): CameraEntity {
  const createdAt = new Date(f.createdAt);
  return Object.assign(new CameraEntity(), {
    id: f.cameraId,
    name: (f.name || 'camera').slice(0, 64),
    keyHash: f.keyHash,
    expectedWidth: f.expectedWidth ? Number(f.expectedWidth) : null,
    expectedHeight: f.expectedHeight ? Number(f.expectedHeight) : null,
    createdAt: Number.isNaN(createdAt.getTime()) ? new Date() : createdAt,
    keyResetAt: null,
  });
}
