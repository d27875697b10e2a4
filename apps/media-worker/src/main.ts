import 'reflect-metadata';

import { runService } from '@lib-stream/nest-kit';

import { AppModule } from './app.module';

void runService({
  service: 'media-worker',
  rootModule: (config, identity) => AppModule.forRoot(config, identity),
  httpPort: (config) => config.MEDIA_WORKER_HTTP_PORT,
  redisTransport: true,
});
