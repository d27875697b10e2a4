import { Controller, Get, INestApplication, Logger } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { Test } from '@nestjs/testing';
import { type Observable, firstValueFrom } from 'rxjs';
import request from 'supertest';

import { ErrorCode } from '@lib-stream/contracts';
import { SecretRedactor } from '@lib-stream/stream-key';

import { JsonLogger } from '../logging/json-logger';
import { AllExceptionsFilter } from './all-exceptions.filter';
import { DomainError } from './domain-error';

// The same refusals the apps raise when a setting is simply not set.
@Controller()
class RefusingController {
  @Get('twitch-not-configured')
  twitch(): never {
    throw new DomainError(ErrorCode.ServiceUnavailable, 'twitch linking is not configured: set STREAM_TWITCH_CLIENT_ID');
  }

  @Get('custom-webhook-not-configured')
  custom(): never {
    throw new DomainError(ErrorCode.ServiceUnavailable, 'The custom webhook is not configured (STREAM_CUSTOM_WEBHOOK_SECRET)');
  }

  @Get('broadcasting-disabled')
  broadcasting(): never {
    throw new DomainError(ErrorCode.FeatureDisabled, 'Broadcasting is disabled on this deployment (STREAM_BROADCAST_ENABLED=false)');
  }

  @Get('bug')
  bug(): never {
    throw new TypeError('cannot read properties of undefined');
  }
}

describe('AllExceptionsFilter logging', () => {
  let app: INestApplication;
  const lines: string[] = [];
  const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((e) => e.context === 'HttpErrors');

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [RefusingController] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.useLogger(new JsonLogger({ service: 'test', redactor: new SecretRedactor(), sink: { write: (line) => lines.push(line) } }));
    app.useGlobalFilters(new AllExceptionsFilter());
    await app.init();
  });

  afterAll(() => app.close());
  beforeEach(() => lines.splice(0));

  it.each([
    ['/twitch-not-configured', ErrorCode.ServiceUnavailable],
    ['/custom-webhook-not-configured', ErrorCode.ServiceUnavailable],
    ['/broadcasting-disabled', ErrorCode.FeatureDisabled],
  ])('%s: 503 logged once at warn, without a stack', async (path, code) => {
    const response = await request(app.getHttpServer()).get(path);
    expect(response.status).toBe(503);
    expect(response.body.code).toBe(code);
    const logged = entries();
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'warn', msg: 'request refused', statusCode: 503, code });
    expect(logged[0]).not.toHaveProperty('stack');
    expect(logged[0]).not.toHaveProperty('err');
  });

  it('an unexpected error is still an error with its stack (the warn path is for deliberate refusals only)', async () => {
    const response = await request(app.getHttpServer()).get('/bug');
    expect(response.status).toBe(500);
    expect(response.body.message).toBe('Internal server error');
    const [logged] = entries();
    expect(logged).toMatchObject({ level: 'error', statusCode: 500 });
    expect(JSON.stringify(logged)).toContain('cannot read properties of undefined');
    expect(JSON.stringify(logged)).toMatch(/at .*all-exceptions\.filter\.spec/);
  });
});

describe('AllExceptionsFilter on the Redis transport (event and message handlers)', () => {
  const lines: string[] = [];
  const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((e) => e.context === 'EventHandlers');
  const rpcHost = (channel: string) => {
    const host = new ExecutionContextHost([{}, { getChannel: () => channel }]);
    host.setType('rpc');
    return host;
  };
  // What Nest does with the filter's answer: sends it back to a request, drops it for an event.
  const answer = (exception: unknown) => firstValueFrom(new AllExceptionsFilter().catch(exception, rpcHost('camera.stream.started')) as Observable<never>).catch((error: unknown) => error);

  beforeAll(() => Logger.overrideLogger(new JsonLogger({ service: 'test', redactor: new SecretRedactor(), sink: { write: (line) => lines.push(line) } })));
  afterAll(() => Logger.overrideLogger(false));
  beforeEach(() => lines.splice(0));

  it('answers a failure instead of rethrowing it (nothing awaits the handling: rethrown, it rejected unhandled), logged with its stack', async () => {
    expect(await answer(new TypeError('cannot read properties of undefined'))).toEqual({ status: 'error', message: 'Internal server error' });
    const [logged] = entries();
    expect(logged).toMatchObject({ level: 'error', msg: 'event handler failed', pattern: 'camera.stream.started' });
    expect(JSON.stringify(logged)).toContain('cannot read properties of undefined');
  });

  it('logs an outage as a warning without a stack or the driver message', async () => {
    expect(await answer(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toEqual({ status: 'error', message: 'Redis is unavailable, retry shortly' });
    const [logged] = entries();
    expect(logged).toMatchObject({ level: 'warn', msg: 'event handler failed: dependency unavailable', pattern: 'camera.stream.started', dependency: 'Redis' });
    expect(JSON.stringify(logged)).not.toContain('enableOfflineQueue');
  });
});
