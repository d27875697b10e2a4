import 'reflect-metadata';

import { runService } from '@lib-stream/nest-kit';

import { AppModule } from './app.module';

void runService({
  service: 'pulse-publisher',
  rootModule: (config, identity) => AppModule.forRoot(config, identity),
  httpPort: (config) => config.PULSE_PUBLISHER_HTTP_PORT,
  redisTransport: true,
});
