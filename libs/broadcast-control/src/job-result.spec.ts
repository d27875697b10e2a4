import { ErrorCode } from '@lib-stream/contracts';
import { DomainError } from '@lib-stream/nest-kit';

import { BroadcastRefusal, acceptedResult, decodeJobResult, refusedResult } from './job-result';

const FALLBACK = 'the media worker could not start the broadcast';

/** What decodeJobResult threw, as the API would answer it. */
function thrown(result: unknown): { name: string; statusCode: number; code: string; message: string; refusal: boolean } {
  try {
    decodeJobResult(result, FALLBACK);
  } catch (error) {
    const e = error as DomainError;
    return { name: e.name, statusCode: e.statusCode, code: e.code, message: e.message, refusal: error instanceof BroadcastRefusal };
  }
  throw new Error('decodeJobResult did not throw');
}

describe('broadcast job results', () => {
  it('carries a value through encode and decode', () => {
    expect(decodeJobResult(acceptedResult({ broadcastId: 'b1' }), FALLBACK)).toEqual({ broadcastId: 'b1' });
    expect(decodeJobResult(acceptedResult(true), FALLBACK)).toBe(true);
  });

  it('carries a refusal as a typed error with its code, status and message, through JSON as Bull sends it', () => {
    const refusal = new BroadcastRefusal(ErrorCode.ValidationFailed, 'rtmpOutputUrl rtmp://live.example.com/app/**** is not usable: connection refused');
    const wire = JSON.parse(JSON.stringify(refusedResult(refusal, FALLBACK)));
    expect(wire).toEqual({ ok: false, status: 400, code: 'VALIDATION_FAILED', message: refusal.message });
    expect(thrown(wire)).toEqual({ name: 'DomainError', statusCode: 400, code: 'VALIDATION_FAILED', message: refusal.message, refusal: true });
  });

  it("takes the status from the code, whatever status the worker's answer carried", () => {
    expect(refusedResult(new BroadcastRefusal(ErrorCode.Conflict, 'taken'), FALLBACK)).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect(refusedResult(new BroadcastRefusal(ErrorCode.ServiceUnavailable, 'full'), FALLBACK)).toMatchObject({ status: 503 });
    expect(refusedResult(new BroadcastRefusal(ErrorCode.PlatformUnavailable, 'failed as it started'), FALLBACK)).toMatchObject({ status: 502 });
    // A worker of an older version sent 502 with SERVICE_UNAVAILABLE: answered 503 as the code says.
    expect(thrown({ ok: false, status: 502, code: 'SERVICE_UNAVAILABLE', message: 'full' })).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE', refusal: true });
  });

  it('answers a crash with 503 SERVICE_UNAVAILABLE and the fallback, never with its own text', () => {
    const crash = new Error('ffmpeg crashed at /srv/app/dist/main.js:1:1 sending to rtmp://live.example.com/app/SECRET');
    const wire = refusedResult(crash, FALLBACK);
    expect(wire).toEqual({ ok: false, status: 503, code: 'SERVICE_UNAVAILABLE', message: FALLBACK });
    expect(JSON.stringify(wire)).not.toContain('SECRET');
    // A DomainError that is not a refusal is a crash too: only refusals are meant for the caller.
    expect(refusedResult(new DomainError(ErrorCode.Conflict, 'internal detail'), FALLBACK)).toMatchObject({ status: 503, message: FALLBACK });
  });

  it('masks a stream key a worker let through in its refusal', () => {
    const leaky = { ok: false, status: 400, code: 'VALIDATION_FAILED', message: 'rtmp://live.example.com/app/live_123_SECRETKEY is not usable' };
    const decoded = thrown(leaky);
    expect(decoded.message).not.toContain('SECRETKEY');
    expect(decoded.message).toContain('rtmp://live.example.com/app/****');
  });

  it.each([
    ['nothing', undefined],
    ['null', null],
    ['a string', 'ok'],
    ['a number', 42],
    ['no ok field', { value: 1 }],
    ['an unknown code', { ok: false, status: 400, code: 'NOT_A_CODE', message: 'x' }],
    ['a status below 400', { ok: false, status: 200, code: 'CONFLICT', message: 'x' }],
    ['a status above 599', { ok: false, status: 600, code: 'CONFLICT', message: 'x' }],
    ['a fractional status', { ok: false, status: 400.5, code: 'CONFLICT', message: 'x' }],
    ['no message', { ok: false, status: 409, code: 'CONFLICT' }],
    ['a message that is not text', { ok: false, status: 409, code: 'CONFLICT', message: { text: 'x' } }],
  ])('answers a malformed result (%s) with 503 SERVICE_UNAVAILABLE and the fallback', (_, result) => {
    expect(thrown(result)).toEqual({ name: 'DomainError', statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: FALLBACK, refusal: false });
  });
});
