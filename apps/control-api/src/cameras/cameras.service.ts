import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

import { ErrorCode } from '@lib-stream/contracts';
import { APP_CONFIG, type AppConfig, DomainError } from '@lib-stream/nest-kit';
import { STREAM_KEY_MASK, generateStreamKey, hashStreamKey } from '@lib-stream/stream-key';

import { BroadcastsService } from '../broadcasts/broadcasts.service';
import { type CameraCredentials, CameraCredentialsStore } from './camera-credentials.store';
import type { CameraCredentialsResponse, CameraDetail, CreateCameraRequest } from './dto/camera.dto';

/** Camera ingest credentials (create, reset, delete) and the dashboard view of the camera registry. */
@Injectable()
export class CamerasService {
  private readonly logger = new Logger(CamerasService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: CameraCredentialsStore,
    private readonly broadcasts: BroadcastsService,
  ) {}

  async create(request: CreateCameraRequest): Promise<CameraCredentialsResponse> {
    const streamKey = generateStreamKey();
    const credentials: CameraCredentials = {
      cameraId: randomUUID(),
      name: request.name,
      keyHash: hashStreamKey(streamKey),
      expectedWidth: request.expectedWidth ?? null,
      expectedHeight: request.expectedHeight ?? null,
      createdAt: new Date().toISOString(),
    };
    await this.store.create(credentials);
    this.logger.log({ msg: 'camera created', cameraId: credentials.cameraId });
    return { camera: await this.detail(credentials), ingestUrl: this.ingestUrl(), streamKey };
  }

  /** The old key stops working at once; a publisher still using it is cut by its media worker. */
  async resetKey(cameraId: string): Promise<CameraCredentialsResponse> {
    const credentials = await this.require(cameraId);
    const streamKey = generateStreamKey();
    const keyHash = hashStreamKey(streamKey);
    await this.store.replaceKey(cameraId, credentials.keyHash, keyHash);
    this.logger.log({ msg: 'camera key reset', cameraId });
    return { camera: await this.detail({ ...credentials, keyHash }), ingestUrl: this.ingestUrl(), streamKey };
  }

  async delete(cameraId: string): Promise<void> {
    await this.store.delete(await this.require(cameraId));
    this.logger.log({ msg: 'camera deleted', cameraId });
    const broadcastId = await this.broadcasts.stopForCamera(cameraId);
    if (broadcastId) this.logger.log({ msg: 'broadcast of the deleted camera stopped', cameraId, broadcastId });
  }

  async status(cameraId: string): Promise<CameraDetail> {
    const credentials = await this.store.get(cameraId);
    if (credentials) return this.detail(credentials);
    const entry = await this.store.registryEntry(cameraId);
    if (!entry) throw new DomainError(ErrorCode.NotFound, 'Camera not found');
    return this.fromRegistry(entry.cameraId);
  }

  /** API-created cameras (live or not) plus every live engine-announced camera. */
  async list(): Promise<CameraDetail[]> {
    const credentials = await this.store.list();
    const known = new Set(credentials.map((c) => c.cameraId));
    const created = await Promise.all(credentials.map((c) => this.detail(c)));
    const announced = (await this.store.registryEntries()).filter((e) => !known.has(e.cameraId));
    return [...created, ...(await Promise.all(announced.map((e) => this.fromRegistry(e.cameraId))))];
  }

  private async require(cameraId: string): Promise<CameraCredentials> {
    const credentials = await this.store.get(cameraId);
    if (!credentials) throw new DomainError(ErrorCode.NotFound, 'Camera not found');
    return credentials;
  }

  private async detail(credentials: CameraCredentials): Promise<CameraDetail> {
    const live = await this.store.registryEntry(credentials.cameraId);
    return {
      cameraId: credentials.cameraId,
      source: 'ingest',
      name: credentials.name,
      ingestUrl: this.ingestUrl(),
      streamKey: STREAM_KEY_MASK,
      state: live?.state ?? 'offline',
      liveSince: live?.liveSince ?? null,
      workerId: live?.workerId ?? null,
      metadata: live?.metadata ?? null,
      expectedWidth: credentials.expectedWidth,
      expectedHeight: credentials.expectedHeight,
      createdAt: credentials.createdAt,
    };
  }

  private async fromRegistry(cameraId: string): Promise<CameraDetail> {
    const entry = await this.store.registryEntry(cameraId);
    return {
      cameraId,
      source: entry?.source ?? 'engine',
      name: null,
      ingestUrl: null,
      streamKey: null,
      state: entry?.state ?? 'offline',
      liveSince: entry?.liveSince ?? null,
      workerId: entry?.workerId ?? null,
      metadata: entry?.metadata ?? null,
      expectedWidth: null,
      expectedHeight: null,
      createdAt: null,
    };
  }

  private ingestUrl(): string {
    return this.config.STREAM_RTMP_INGEST_PUBLIC_URL.replace(/\/+$/, '');
  }
}
