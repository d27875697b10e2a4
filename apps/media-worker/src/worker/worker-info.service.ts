import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig, SERVICE_IDENTITY, ServiceIdentity } from '@lib-stream/nest-kit';

import { ffmpegAvailable } from '../broadcast/ffmpeg/ffmpeg-availability';

export interface MediaWorkerInfo {
  instanceId: string;
  version: string;
  broadcastEnabled: boolean;
  ffmpegAvailable: boolean;
  maxConcurrentBroadcasts: number;
}

/** What this worker can do; broadcasts are reported unavailable when FFmpeg is missing. */
@Injectable()
export class WorkerInfoService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
  ) {}

  info(): MediaWorkerInfo {
    return {
      instanceId: this.identity.instanceId,
      version: this.identity.version,
      broadcastEnabled: this.config.STREAM_BROADCAST_ENABLED,
      ffmpegAvailable: ffmpegAvailable(this.config.STREAM_FFMPEG_PATH),
      maxConcurrentBroadcasts: this.config.STREAM_MAX_CONCURRENT_BROADCASTS,
    };
  }
}
