import { Inject, Injectable } from '@nestjs/common';
import { BroadcastSettings, SERVICE_IDENTITY, ServiceIdentity } from '@lib-stream/nest-kit';

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
    private readonly broadcast: BroadcastSettings,
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
  ) {}

  info(): MediaWorkerInfo {
    return {
      instanceId: this.identity.instanceId,
      version: this.identity.version,
      broadcastEnabled: this.broadcast.enabled,
      ffmpegAvailable: ffmpegAvailable(this.broadcast.ffmpegPath),
      maxConcurrentBroadcasts: this.broadcast.maxConcurrent,
    };
  }
}
