import { Controller, Get, Header } from '@nestjs/common';

import { Public } from '../http/public.decorator';
import { MetricsService } from './metrics.service';

// Left out of control-api's OpenAPI document (openapi.ts).
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
