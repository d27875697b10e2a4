import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

import { type CameraCredentialsChange, type CameraRegistryEntry } from '@lib-stream/contracts';
import { CameraIngestSettings, ServiceUnavailableError } from '@lib-stream/nest-kit';
import { STREAM_KEY_MASK, generateStreamKey, hashStreamKey } from '@lib-stream/stream-key';

import { BroadcastsService } from '../broadcasts/broadcasts.service';
import { AllowListKeeper } from './allow-list-keeper';
import { CameraEntity } from './camera.entity';
import { CameraAllowList } from './camera-allow-list';
import { CameraLiveState } from './camera-live-state';
import { CameraLock } from './camera-lock';
import { CamerasRepository } from './cameras.repository';
import type { CameraCredentialsResponse, CameraDetail, CreateCameraRequest } from './dto/camera.dto';
import { CameraErrors } from './camera.errors';

/**
 * Camera records (database) and their ingest keys (allow-list in Redis), plus the dashboard view
 * with the live registry.
 *
 * Writes: 503 and nothing changed while Redis is away (see CameraLock.forWrite). Otherwise the
 * database commits first and is the truth: the caller gets the key exactly when the row exists. If
 * Redis then fails before the allow-list is updated, the answer is still success and the keeper
 * replays the change as soon as Redis answers — failing at that point would leave a committed
 * camera whose key nobody was given.
 */
@Injectable()
export class CamerasService {
  private readonly logger = new Logger(CamerasService.name);

  constructor(
    private readonly ingest: CameraIngestSettings,
    private readonly cameras: CamerasRepository,
    private readonly allowList: CameraAllowList,
    private readonly keeper: AllowListKeeper,
    private readonly lock: CameraLock,
    private readonly live: CameraLiveState,
    private readonly broadcasts: BroadcastsService,
  ) {}

  async create(request: CreateCameraRequest): Promise<CameraCredentialsResponse> {
    const streamKey = generateStreamKey();
    const camera = Object.assign(new CameraEntity(), {
      id: randomUUID(),
      name: request.name,
      keyHash: hashStreamKey(streamKey),
      expectedWidth: request.expectedWidth ?? null,
      expectedHeight: request.expectedHeight ?? null,
      createdAt: new Date(),
      keyResetAt: null,
    });
    await this.lock.forWrite(async () => {
      await this.cameras.insert(camera);
      await this.updateAllowList({ cameraId: camera.id, keyHash: camera.keyHash, revokedKeyHash: null });
    });
    this.logger.log({ msg: 'camera created', cameraId: camera.id });
    return { camera: this.detail(camera, null), ingestUrl: this.ingestUrl(), streamKey };
  }

  /** The old key stops working at once; a publisher still using it is cut by its media worker. */
  async resetKey(cameraId: string): Promise<CameraCredentialsResponse> {
    const streamKey = generateStreamKey();
    const keyHash = hashStreamKey(streamKey);
    const camera = await this.lock.forWrite(async () => {
      const current = await this.require(cameraId);
      const resetAt = new Date();
      if (!(await this.cameras.replaceKey(cameraId, current.keyHash, keyHash, resetAt))) throw CameraErrors.notFound();
      await this.updateAllowList({ cameraId, keyHash, revokedKeyHash: current.keyHash });
      return { ...current, keyHash, keyResetAt: resetAt };
    });
    this.logger.log({ msg: 'camera key reset', cameraId });
    return { camera: this.detail(camera, await this.live.entry(cameraId)), ingestUrl: this.ingestUrl(), streamKey };
  }

  async delete(cameraId: string): Promise<void> {
    await this.lock.forWrite(async () => {
      const camera = await this.require(cameraId);
      if (!(await this.cameras.delete(cameraId))) throw CameraErrors.notFound();
      await this.updateAllowList({ cameraId, keyHash: null, revokedKeyHash: camera.keyHash });
    });
    this.logger.log({ msg: 'camera deleted', cameraId });
    try {
      const broadcastId = await this.broadcasts.stopForCamera(cameraId);
      if (broadcastId) this.logger.log({ msg: 'broadcast of the deleted camera stopped', cameraId, broadcastId });
    } catch (error) {
      // The camera is gone either way; its broadcast falls back to its cascade meanwhile.
      this.logger.warn({ msg: 'could not stop the broadcast of the deleted camera', cameraId, error: (error as Error).message });
    }
  }

  async status(cameraId: string): Promise<CameraDetail> {
    const camera = await this.cameras.findById(cameraId);
    const entry = await this.live.entry(cameraId);
    if (camera) return this.detail(camera, entry);
    // Not ours: only the registry knows engine cameras, so without Redis there is no answer.
    if (entry === undefined) throw new ServiceUnavailableError('Redis');
    if (!entry) throw CameraErrors.notFound();
    return this.fromRegistry(entry);
  }

  /**
   * Cameras from the database (live or not) plus every live engine-announced camera. While Redis
   * is away the database's cameras are still listed, with state `unknown`; engine cameras, which
   * exist only in Redis, are missing then (`liveStateAvailable: false` says so).
   */
  async list(): Promise<{ cameras: CameraDetail[]; liveStateAvailable: boolean }> {
    const cameras = await this.cameras.findAll();
    const live = await this.live.entries();
    const known = new Set(cameras.map((c) => c.id));
    const created = cameras.map((c) => this.detail(c, live ? (live.get(c.id) ?? null) : undefined));
    const announced = live ? [...live.values()].filter((e) => !known.has(e.cameraId)).map((e) => this.fromRegistry(e)) : [];
    return { cameras: [...created, ...announced], liveStateAvailable: live !== undefined };
  }

  private async require(cameraId: string): Promise<CameraEntity> {
    const camera = await this.cameras.findById(cameraId);
    if (!camera) throw CameraErrors.notFound();
    return camera;
  }

  private async updateAllowList(change: CameraCredentialsChange): Promise<void> {
    try {
      await this.allowList.apply(change);
    } catch (error) {
      this.keeper.markUnsynced(change);
      this.logger.warn({ msg: 'allow-list update failed after the database commit; replayed when Redis answers', cameraId: change.cameraId, error: (error as Error).message });
    }
  }

  /** `live`: the registry entry, null when not live, undefined when Redis could not be asked. */
  private detail(camera: CameraEntity, live: CameraRegistryEntry | null | undefined): CameraDetail {
    return {
      cameraId: camera.id,
      source: 'ingest',
      name: camera.name,
      ingestUrl: this.ingestUrl(),
      streamKey: STREAM_KEY_MASK,
      state: live === undefined ? 'unknown' : (live?.state ?? 'offline'),
      liveSince: live?.liveSince ?? null,
      workerId: live?.workerId ?? null,
      metadata: live?.metadata ?? null,
      expectedWidth: camera.expectedWidth,
      expectedHeight: camera.expectedHeight,
      createdAt: camera.createdAt.toISOString(),
      keyResetAt: camera.keyResetAt ? camera.keyResetAt.toISOString() : null,
    };
  }

  private fromRegistry(entry: CameraRegistryEntry): CameraDetail {
    return {
      cameraId: entry.cameraId,
      source: entry.source ?? 'engine',
      name: null,
      ingestUrl: null,
      streamKey: null,
      state: entry.state ?? 'offline',
      liveSince: entry.liveSince ?? null,
      workerId: entry.workerId ?? null,
      metadata: entry.metadata ?? null,
      expectedWidth: null,
      expectedHeight: null,
      createdAt: null,
      keyResetAt: null,
    };
  }

  private ingestUrl(): string {
    return this.ingest.publicUrl.replace(/\/+$/, '');
  }
}
