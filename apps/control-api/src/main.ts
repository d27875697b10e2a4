import 'reflect-metadata';

import { runService } from '@lib-stream/nest-kit';

import { AppModule } from './app.module';
import { setupOpenApi } from './openapi';

void runService({
  service: 'control-api',
  required: ['STREAM_AUTH_JWT_SECRET'],
  rootModule: (config, identity) => AppModule.forRoot(config, identity),
  httpPort: (config) => config.CONTROL_API_PORT,
  configure: (app) => setupOpenApi(app),
});
