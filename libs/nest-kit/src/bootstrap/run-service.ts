import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { json, text } from 'express';
import type { MicroserviceOptions } from '@nestjs/microservices';

import type { ServiceName } from '@lib-stream/contracts';

import { ConfigError, LoadConfigOptions, loadConfig } from '../config/load-config';
import type { AppConfig } from '../config/settings';
import { RedisSettings, ServiceSettings } from '../config/slices';
import { ResilientServerRedis } from '../events/redis-transport';
import { HealthRegistry } from '../health/health.registry';
import { AllExceptionsFilter, rejectUnreadableBody } from '../http/all-exceptions.filter';
import { rejectDeepJson } from '../http/json-depth';
import { createValidationPipe } from '../http/validation';
import { ServiceIdentity, newServiceIdentity } from '../identity';
import { correlationMiddleware } from '../correlation/correlation';
import { JsonLogger, LogLevel } from '../logging/json-logger';
import { HttpDrain } from './http-drain';

export interface RunServiceOptions extends LoadConfigOptions {
  service: ServiceName;
  /** Builds the root module once config is known. */
  rootModule: (config: AppConfig, identity: ServiceIdentity) => unknown;
  httpPort: (config: AppConfig) => number;
  /** Also listen on the Nest Redis transport (message and event patterns). */
  redisTransport?: boolean;
  /** App-specific HTTP setup (OpenAPI docs, …) before listen. */
  configure?: (app: INestApplication, config: AppConfig) => void | Promise<void>;
}

/**
 * Starts an app the same way everywhere: config validated first (a bad value exits 1 with a message
 * naming the variable), JSON logging, one error shape, and a SIGTERM/SIGINT handler that stops
 * taking traffic, lets in-flight work finish, closes Redis/DB and exits 0.
 */
export async function runService(options: RunServiceOptions): Promise<INestApplication> {
  const identity = newServiceIdentity(options.service);
  const bootLogger = new JsonLogger({ service: options.service, instanceId: identity.instanceId });
  let config: AppConfig;
  try {
    config = loadConfig(process.env, options);
  } catch (error) {
    if (error instanceof ConfigError) {
      bootLogger.error({ msg: error.message, problems: error.problems }, 'Config');
      process.exit(1);
    }
    throw error;
  }
  const logger = new JsonLogger({ service: options.service, instanceId: identity.instanceId, level: config.STREAM_LOG_LEVEL as LogLevel });

  try {
    const app = await createServiceApp(options, config, identity, logger);
    const port = options.httpPort(config);
    // Before listen, so even the first request is tracked for a graceful stop.
    const drain = new HttpDrain(app.getHttpServer());
    await app.listen(port, '0.0.0.0');
    logger.log({ msg: 'started', port, version: identity.version }, 'Bootstrap');
    handleShutdownSignals(app, drain, logger, app.get(ServiceSettings).shutdownTimeoutMs);
    return app;
  } catch (error) {
    logger.error({ msg: 'failed to start' }, error instanceof Error ? error : undefined, 'Bootstrap');
    process.exit(1);
  }
}

/**
 * Builds the Nest application exactly as production runs it (pipes, filters, body parsing, Redis
 * transport) without listening; integration tests use it too.
 */
export async function createServiceApp(
  options: Pick<RunServiceOptions, 'rootModule' | 'redisTransport' | 'configure'>,
  config: AppConfig,
  identity: ServiceIdentity,
  logger: JsonLogger,
): Promise<INestApplication> {
  const app = await NestFactory.create(options.rootModule(config, identity) as never, { logger, abortOnError: false, bodyParser: false });
  // The raw bytes are kept for webhook signatures, which are computed over the body exactly as sent.
  const keepRaw = (request: unknown, _response: unknown, raw: Buffer) => ((request as { rawBody?: Buffer }).rawBody = raw);
  app.use(
    correlationMiddleware,
    json({ limit: '1mb', verify: keepRaw }),
    // WebSub (YouTube) pushes Atom XML.
    text({ type: ['application/atom+xml', 'application/xml', 'text/xml'], limit: '1mb', verify: keepRaw }),
    rejectUnreadableBody,
    rejectDeepJson,
  );
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  await options.configure?.(app, config);
  if (options.redisTransport) {
    const listener = new ResilientServerRedis(new RedisSettings(config));
    app.connectMicroservice<MicroserviceOptions>({ strategy: listener }, { inheritAppConfig: true });
    await app.startAllMicroservices();
    app.get(HealthRegistry).register('event-listener', () =>
      listener.isConnected() ? Promise.resolve() : Promise.reject(new Error('event listener not connected')),
    );
  }
  return app;
}

function handleShutdownSignals(app: INestApplication, drain: HttpDrain, logger: JsonLogger, timeoutMs: number): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log({ msg: 'shutting down', signal }, 'Bootstrap');
    app.get(HealthRegistry).startDraining();
    const timer = setTimeout(() => {
      logger.error({ msg: 'shutdown timed out, exiting', timeoutMs }, 'Bootstrap');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    try {
      // HTTP first: in-flight requests finish while Redis and the database are still open (app.close()
      // runs the destroy hooks that close them before it closes the server).
      await drain.drain();
      await app.close();
      logger.log({ msg: 'stopped' }, 'Bootstrap');
      process.exit(0);
    } catch (error) {
      logger.error({ msg: 'error during shutdown' }, error instanceof Error ? error : undefined, 'Bootstrap');
      process.exit(1);
    }
  };
  process.once('SIGTERM', (signal) => void stop(signal));
  process.once('SIGINT', (signal) => void stop(signal));
}
