import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';

import { MessagePatterns } from '@lib-stream/contracts';

import { MediaWorkerInfo, WorkerInfoService } from './worker-info.service';

@Controller()
export class WorkerInfoController {
  constructor(private readonly worker: WorkerInfoService) {}

  /** Redis transport request/response: any one worker answers with its capabilities. */
  @MessagePattern(MessagePatterns.MediaWorkerInfo)
  info(): MediaWorkerInfo {
    return this.worker.info();
  }
}
