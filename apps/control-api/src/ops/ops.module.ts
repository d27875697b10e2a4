import { Module } from '@nestjs/common';

import { OpsController } from './ops.controller';

/** The operator page at `/ops` (static files; its data comes over the live-status socket). */
@Module({ controllers: [OpsController] })
export class OpsModule {}
