import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import type Redis from 'ioredis';

import { Role, SessionKeys } from '@lib-stream/contracts';
import { REDIS } from '@lib-stream/nest-kit';
import type { SentimentPulse } from '@lib-stream/privacy';

import { Roles } from '../auth/roles.decorator';
import { AdminErrors } from './admin.errors';

export class LatestPulseRequest {
  @ApiProperty()
  @IsUUID('4', { message: 'platformSessionId must be a session id (UUID)' })
  platformSessionId: string;
}

@ApiTags('admin')
@ApiBearerAuth()
@Roles(Role.Developer)
@Controller('stream/admin/pulse')
export class PulseAdminController {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  @Post('latest')
  @HttpCode(200)
  @ApiOperation({ summary: 'The most recent sentiment pulse of a platform session (kept briefly); 404 when there is none' })
  async latest(@Body() request: LatestPulseRequest): Promise<SentimentPulse> {
    const raw = await this.redis.get(SessionKeys.latestPulse(request.platformSessionId));
    if (!raw) throw AdminErrors.noRecentPulse();
    return JSON.parse(raw) as SentimentPulse;
  }
}
