import { Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';

import { Role } from '@lib-stream/contracts';
import { APP_CONFIG, AppConfig, describeConfig } from '@lib-stream/nest-kit';

import { Roles } from '../auth/roles.decorator';

@ApiTags('admin')
@ApiBearerAuth()
@Roles(Role.Developer)
@Controller('stream/admin')
export class AdminConfigController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Post('config')
  @HttpCode(200)
  @ApiOperation({ summary: 'Effective configuration of this instance; secrets show only as (set)/(unset)' })
  effectiveConfig(): Record<string, string | number | boolean> {
    return describeConfig(this.config);
  }
}
