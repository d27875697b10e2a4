import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';

import { CameraKeys, type CameraMetadata, type CameraRegistryEntry } from '@lib-stream/contracts';
import { REDIS } from '@lib-stream/nest-kit';

import { audioCodecName, videoCodecName } from './camera-codecs';
import type { PublisherMetadata } from './nms-adapter';

const RELEASE_OWNER = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
// Renews the holder's claim; an absent key (Redis lost it: a flush or a restart without persistence)
// is taken back, so a Redis loss does not cut every live camera. Only another holder means lost.
const RENEW_OWNER = `
local holder = redis.call('get', KEYS[1])
if holder == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
if holder then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 2`;

/** The live camera registry (store `stream-cameras`) and the cross-worker publisher ownership. */
@Injectable()
export class CameraRegistry {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** One publisher per camera across all workers: SET NX with a TTL the holder keeps renewing. */
  async claimOwner(cameraId: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(CameraKeys.owner(cameraId), token, 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** False only when another publisher holds the camera now. */
  async renewOwner(cameraId: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(RENEW_OWNER, 1, CameraKeys.owner(cameraId), token, String(ttlMs))) !== 0;
  }

  async releaseOwner(cameraId: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE_OWNER, 1, CameraKeys.owner(cameraId), token);
  }

  async get(cameraId: string): Promise<CameraRegistryEntry | null> {
    const raw = await this.redis.get(CameraKeys.registry(cameraId));
    return raw ? (JSON.parse(raw) as CameraRegistryEntry) : null;
  }

  async put(entry: CameraRegistryEntry, ttlMs: number): Promise<void> {
    await this.redis.set(CameraKeys.registry(entry.cameraId), JSON.stringify(entry), 'PX', ttlMs);
  }

  /** Keeps an entry alive; false when it is gone (expired or removed). */
  async touch(cameraId: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.pexpire(CameraKeys.registry(cameraId), ttlMs)) === 1;
  }

  async remove(cameraId: string): Promise<void> {
    await this.redis.del(CameraKeys.registry(cameraId));
  }
}

/** The registry's metadata from what the publisher's onMetaData said (codec ids named, nonsense dropped). */
export function metadataFromPublisher(session: PublisherMetadata): CameraMetadata {
  const positive = (value: number) => (Number.isFinite(value) && value > 0 ? Math.round(value * 100) / 100 : null);
  return {
    videoCodec: videoCodecName(session.videoCodec),
    width: positive(session.videoWidth),
    height: positive(session.videoHeight),
    fps: positive(session.videoFramerate),
    videoBitrateKbps: positive(session.videoDatarate),
    audioCodec: audioCodecName(session.audioCodec),
    audioSampleRate: positive(session.audioSamplerate),
    audioChannels: positive(session.audioChannels),
  };
}
