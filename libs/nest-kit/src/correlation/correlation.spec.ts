import { setTimeout as sleep } from 'node:timers/promises';

import {
  acceptCorrelationId,
  correlationIdFromHeaders,
  currentCorrelationId,
  withCorrelationField,
  withCorrelationId,
  withoutCorrelationId,
} from './correlation';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('correlation ids', () => {
  describe(acceptCorrelationId.name, () => {
    it.each(['abc', 'req-42', 'A.b_c-D', '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', '3f1c2a9e-6b7d-4c1e-9f00-1234567890ab'])('accepts %s', (id) => {
      expect(acceptCorrelationId(id)).toBe(id);
    });

    it.each([
      ['empty', ''],
      ['65 characters', 'a'.repeat(65)],
      ['an e-mail address', 'jane.doe@example.com'],
      ['a bearer token', 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.x'],
      ['base64 padding and slashes', 'c2VjcmV0/a2V5+=='],
      ['a URL', 'rtmp://live.example.com/app/key'],
      ['a newline (log injection)', 'abc\n{"level":"error"}'],
      ['spaces', 'a b'],
      ['non-ASCII', 'idé'],
      ['a number', 42],
      ['an array (header sent twice)', ['a', 'b']],
      ['undefined', undefined],
    ])('refuses %s', (_what, value) => {
      expect(acceptCorrelationId(value)).toBeNull();
    });
  });

  describe(correlationIdFromHeaders.name, () => {
    it('takes X-Request-Id first, then X-Correlation-Id', () => {
      expect(correlationIdFromHeaders({ 'x-request-id': 'req-1', 'x-correlation-id': 'corr-1' })).toBe('req-1');
      expect(correlationIdFromHeaders({ 'x-correlation-id': 'corr-1' })).toBe('corr-1');
      expect(correlationIdFromHeaders({ 'x-request-id': 'bad id!', 'x-correlation-id': 'corr-1' })).toBe('corr-1');
    });

    it('makes a new UUID for a missing or malformed header, never reusing the value', () => {
      expect(correlationIdFromHeaders({})).toMatch(UUID);
      expect(correlationIdFromHeaders({ 'x-request-id': 'user@example.com' })).toMatch(UUID);
      expect(correlationIdFromHeaders({})).not.toBe(correlationIdFromHeaders({}));
    });
  });

  describe('context', () => {
    it('is undefined outside of a request or job', () => {
      expect(currentCorrelationId()).toBeUndefined();
    });

    it('follows awaits, timers and callbacks started inside, and ends with the work', async () => {
      const seen: (string | undefined)[] = [];
      await withCorrelationId('job-1', async () => {
        seen.push(currentCorrelationId());
        await sleep(5);
        seen.push(currentCorrelationId());
        await new Promise<void>((resolve) =>
          setTimeout(() => {
            seen.push(currentCorrelationId());
            resolve();
          }, 1),
        );
      });
      expect(seen).toEqual(['job-1', 'job-1', 'job-1']);
      expect(currentCorrelationId()).toBeUndefined();
    });

    it('keeps concurrent jobs apart', async () => {
      const run = (id: string, delayMs: number) =>
        withCorrelationId(id, async () => {
          await sleep(delayMs);
          return currentCorrelationId();
        });
      expect(await Promise.all([run('a', 20), run('b', 1), run('c', 10)])).toEqual(['a', 'b', 'c']);
    });

    it('replaces an id read back from job data that is missing or malformed with a new one', () => {
      expect(withCorrelationId(undefined, currentCorrelationId)).toMatch(UUID);
      expect(withCorrelationId('x'.repeat(100), currentCorrelationId)).toMatch(UUID);
      expect(withCorrelationId({ id: 'a' }, currentCorrelationId)).toMatch(UUID);
    });

    it('can be left for work that outlives the request', () => {
      withCorrelationId('req-1', () => expect(withoutCorrelationId(currentCorrelationId)).toBeUndefined());
    });
  });

  describe('on error bodies', () => {
    it('adds correlationId and keeps the other fields', () => {
      const body = { statusCode: 404, code: 'NOT_FOUND', message: 'nope' };
      expect(withCorrelationId('req-1', () => withCorrelationField(body))).toEqual({ ...body, correlationId: 'req-1' });
      expect(withCorrelationField(body)).toEqual(body);
    });
  });
});

