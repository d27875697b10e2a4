import { type BroadcastJobResult, ErrorCode } from '@lib-stream/contracts';
import { DomainError } from '@lib-stream/nest-kit';
import { maskStreamKeysInText } from '@lib-stream/stream-key';

/**
 * A media worker's refusal of a broadcast job (a bad URL, a source already on air, no room), answered
 * by control-api with its code (and that code's status). Its message is shown to the caller: URLs in
 * it must be masked.
 */
export class BroadcastRefusal extends DomainError {}

/** What a worker completes an accepted job with. */
export function acceptedResult<T>(value: T): BroadcastJobResult<T> {
  return { ok: true, value };
}

/**
 * What a worker completes a refused job with: a BroadcastRefusal travels as its code, status and
 * message; anything else is a crash, answered 503 SERVICE_UNAVAILABLE with `fallback`, never with its
 * own text (it could hold a URL or a path).
 */
export function refusedResult(error: unknown, fallback: string): BroadcastJobResult<never> {
  if (error instanceof BroadcastRefusal) return { ok: false, status: error.statusCode, code: error.code, message: error.message };
  const crash = new DomainError(ErrorCode.ServiceUnavailable, fallback);
  return { ok: false, status: crash.statusCode, code: crash.code, message: crash.message };
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/**
 * The value of a worker's answer, or its refusal thrown as a BroadcastRefusal (message masked once
 * more, in case a worker let a stream key through), with its code's status whatever status the answer
 * carried (a worker of an older version sent 502 for SERVICE_UNAVAILABLE). Anything malformed — not a
 * result, an unknown code, a status outside 400–599 — throws a 503 SERVICE_UNAVAILABLE with `fallback`.
 */
export function decodeJobResult<T>(result: unknown, fallback: string): T {
  if (result && typeof result === 'object') {
    const answer = result as Partial<Record<'ok' | 'value' | 'status' | 'code' | 'message', unknown>>;
    if (answer.ok === true) return answer.value as T;
    const { status, code, message } = answer;
    if (answer.ok === false && typeof code === 'string' && KNOWN_CODES.has(code) && typeof message === 'string' && Number.isInteger(status) && (status as number) >= 400 && (status as number) <= 599) {
      throw new BroadcastRefusal(code as ErrorCode, maskStreamKeysInText(message));
    }
  }
  throw new DomainError(ErrorCode.ServiceUnavailable, fallback);
}
