import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import type { Response } from 'express';

import { ErrorCode } from '@lib-stream/contracts';

import { Public } from '../http/public.decorator';
import { HealthRegistry } from './health.registry';

// Its OpenAPI description is control-api's (openapi.ts): the apps without docs load no @nestjs/swagger.
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthRegistry) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) response: Response): Promise<object> {
    const report = await this.health.readiness();
    if (report.ready) return { status: 'ready', checks: report.checks };
    response.status(HttpStatus.SERVICE_UNAVAILABLE);
    const failing = report.failing;
    return {
      statusCode: HttpStatus.SERVICE_UNAVAILABLE,
      code: ErrorCode.ServiceUnavailable,
      message: `not ready: ${failing.join(', ')}`,
      checks: report.checks,
    };
  }
}
