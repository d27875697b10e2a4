import { type BroadcastJobResult, ErrorCode } from '@lib-stream/contracts';
import { DomainError, statusForCode } from '@lib-stream/nest-kit';
import { maskStreamKeysInText } from '@lib-stream/stream-key';

/**
 * A media worker's refusal of a broadcast job (a bad URL, a source already on air, no room), with the
 * status control-api answers with. Its message is shown to the caller: URLs in it must be masked.
 */
export class BroadcastRefusal extends DomainError {
  constructor(code: ErrorCode, message: string, status: number = statusForCode(code)) {
    super(code, message, status);
  }
}

/** What a worker completes an accepted job with. */
export function acceptedResult<T>(value: T): BroadcastJobResult<T> {
  return { ok: true, value };
}

/**
 * What a worker completes a refused job with: a BroadcastRefusal travels as its code, status and
 * message; anything else is a crash, answered with 502 and `fallback`, never with its own text (it
 * could hold a URL or a path).
 */
export function refusedResult(error: unknown, fallback: string): BroadcastJobResult<never> {
  if (error instanceof BroadcastRefusal) return { ok: false, status: error.statusCode, code: error.code, message: error.message };
  return { ok: false, status: 502, code: ErrorCode.ServiceUnavailable, message: fallback };
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/**
 * The value of a worker's answer, or its refusal thrown as a BroadcastRefusal (message masked once
 * more, in case a worker let a stream key through). Anything malformed — not a result, an unknown
 * code, a status outside 400–599 — throws a 502 with `fallback`.
 */
export function decodeJobResult<T>(result: unknown, fallback: string): T {
  if (result && typeof result === 'object') {
    const answer = result as Partial<Record<'ok' | 'value' | 'status' | 'code' | 'message', unknown>>;
    if (answer.ok === true) return answer.value as T;
    const { status, code, message } = answer;
    if (answer.ok === false && typeof code === 'string' && KNOWN_CODES.has(code) && typeof message === 'string' && Number.isInteger(status) && (status as number) >= 400 && (status as number) <= 599) {
      throw new BroadcastRefusal(code as ErrorCode, maskStreamKeysInText(message), status as number);
    }
  }
  throw new DomainError(ErrorCode.ServiceUnavailable, fallback, 502);
}
