import { Body, Controller, Get, INestApplication, Logger, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { json } from 'express';
import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';

import { ErrorCode } from '@lib-stream/contracts';
import { SecretRedactor } from '@lib-stream/stream-key';

import { correlationMiddleware, currentCorrelationId } from '../correlation/correlation';
import { JsonLogger } from '../logging/json-logger';
import { AllExceptionsFilter, rejectUnreadableBody } from './all-exceptions.filter';
import { DomainError } from './domain-error';
import { rejectDeepJson } from './json-depth';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

@Controller()
class EchoController {
  private readonly logger = new Logger('Echo');

  @Post('echo')
  async echo(@Body() body: unknown): Promise<{ id: string | undefined }> {
    await sleep(2);
    this.logger.log({ msg: 'echoing' });
    return { id: currentCorrelationId(), ...(body as object) };
  }

  @Get('refused')
  refused(): never {
    throw new DomainError(ErrorCode.NotFound, 'camera not found');
  }
}

// The middlewares in the order createServiceApp uses them, around the real body parser.
describe('correlation ids on HTTP requests', () => {
  let app: INestApplication;
  const lines: string[] = [];

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [EchoController] }).compile();
    app = moduleRef.createNestApplication({ logger: false, bodyParser: false });
    app.useLogger(new JsonLogger({ service: 'test', redactor: new SecretRedactor(), sink: { write: (line) => lines.push(line) } }));
    app.use(correlationMiddleware, json(), rejectUnreadableBody, rejectDeepJson);
    app.useGlobalFilters(new AllExceptionsFilter());
    // Listening once: supertest would otherwise open a server per request, which concurrent requests trip over.
    await app.listen(0, '127.0.0.1');
  });

  afterAll(() => app.close());

  it('keeps a well-formed caller id through the body parser, into the handler, its log lines and the response header', async () => {
    lines.splice(0);
    const response = await request(app.getHttpServer()).post('/echo').set('X-Request-Id', 'caller-42').send({ a: 1 });
    expect(response.status).toBe(201);
    expect(response.headers['x-request-id']).toBe('caller-42');
    expect(response.body).toEqual({ id: 'caller-42', a: 1 });
    const echoed = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry.msg === 'echoing');
    expect(echoed?.correlationId).toBe('caller-42');
  });

  it('keeps the id when the body arrives in pieces, after the request passed the middleware', async () => {
    const { port } = app.getHttpServer().address() as { port: number };
    const answer = await new Promise<{ header: unknown; body: string }>((resolve, reject) => {
      const outgoing = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/echo', headers: { 'Content-Type': 'application/json', 'Content-Length': '10', 'X-Request-Id': 'slow-body' } }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ header: response.headers['x-request-id'], body }));
      });
      outgoing.on('error', reject);
      outgoing.write('{"a":');
      setTimeout(() => outgoing.end('1234}'), 50);
    });
    expect(answer.header).toBe('slow-body');
    expect(JSON.parse(answer.body)).toEqual({ id: 'slow-body', a: 1234 });
  });

  it('answers a malformed caller id with a new UUID, and the value is not logged', async () => {
    lines.splice(0);
    const response = await request(app.getHttpServer()).post('/echo').set('X-Correlation-Id', 'jane@example.com').send({});
    expect(response.headers['x-request-id']).toMatch(UUID);
    expect(response.body.id).toBe(response.headers['x-request-id']);
    expect(lines.join('')).not.toContain('jane@example.com');
  });

  it('puts the id in error bodies beside the unchanged fields, from Nest and from the body checks', async () => {
    const refused = await request(app.getHttpServer()).get('/refused').set('X-Request-Id', 'req-404');
    expect(refused.body).toEqual({ statusCode: 404, code: 'NOT_FOUND', message: 'camera not found', correlationId: 'req-404' });
    const unreadable = await request(app.getHttpServer()).post('/echo').set('X-Request-Id', 'req-400').set('Content-Type', 'application/json').send('{nope');
    expect(unreadable.body).toEqual({ statusCode: 400, code: 'INVALID_JSON', message: 'Request body is not valid JSON', correlationId: 'req-400' });
    expect(unreadable.headers['x-request-id']).toBe('req-400');
    const deep = await request(app.getHttpServer()).post('/echo').set('Content-Type', 'application/json').send('['.repeat(70) + ']'.repeat(70));
    expect(deep.body).toMatchObject({ statusCode: 400, code: 'INVALID_JSON', correlationId: deep.headers['x-request-id'] });
  });

  it('gives concurrent requests their own ids', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `req-${i}`);
    const responses = await Promise.all(ids.map((id) => request(app.getHttpServer()).post('/echo').set('X-Request-Id', id).send({})));
    expect(responses.map((response) => response.body.id)).toEqual(ids);
  });
});
