import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { type Observable, throwError } from 'rxjs';

import { ErrorBody, ErrorCode } from '@lib-stream/contracts';

import { withCorrelationField } from '../correlation/correlation';
import { DomainError, codeForStatus } from './domain-error';
import { OUTAGE_RETRY_AFTER_SECONDS, classifyOutage, outageMessage } from './outage';

/**
 * The one place HTTP errors are shaped: `{ statusCode, code, message, correlationId }` (the last is
 * the request's id, as in its X-Request-Id header). Unknown errors become a
 * generic 500 (details go to the redacted log, never to the caller), so driver messages, SQL and
 * stack traces cannot leak. A dependency outage (Redis, database) is not a bug: 503 with Retry-After,
 * logged as a warning without a stack.
 *
 * Also the Redis transport's handlers (`@EventPattern`, `@MessagePattern`: the apps inherit this
 * filter): see catchRpc.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrors');
  private readonly rpcLogger = new Logger('EventHandlers');

  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    if (host.getType() === 'rpc') return this.catchRpc(exception, host);
    if (host.getType() !== 'http') throw exception;
    const response = host.switchToHttp().getResponse<Response>();
    const request = host.switchToHttp().getRequest<Request>();
    const dependency = classifyOutage(exception);
    if (dependency) {
      // Only the error's class and code: driver messages name hosts and SQL.
      const { name, code } = exception as { name?: unknown; code?: unknown };
      this.logger.warn({ msg: 'request failed: dependency unavailable', statusCode: 503, dependency, error: String(name), ...(typeof code === 'string' ? { code } : {}) });
      if (response.headersSent) return;
      response.setHeader('Retry-After', String(OUTAGE_RETRY_AFTER_SECONDS));
      response.status(503).json(withCorrelationField({ statusCode: 503, code: ErrorCode.ServiceUnavailable, message: outageMessage(dependency) }, request));
      return;
    }
    const body = this.toBody(exception);
    if (exception instanceof DomainError && body.statusCode >= 500) {
      // Raised on purpose (a feature switched off, a dependency our code found away): no stack to read.
      this.logger.warn({ msg: 'request refused', statusCode: body.statusCode, code: body.code });
    } else if (body.statusCode >= 500) {
      this.logger.error({ msg: 'request failed', statusCode: body.statusCode }, exception instanceof Error ? exception : undefined);
    }
    if (response.headersSent) return;
    if (body.code === ErrorCode.ServiceUnavailable) response.setHeader('Retry-After', String(OUTAGE_RETRY_AFTER_SECONDS));
    response.status(body.statusCode).json(withCorrelationField(body, request));
  }

  /**
   * A transport handler that failed (Redis refusing a write as an event arrives, say). Rethrown, it
   * rejected Nest's handling of the message, which nothing awaits: an unhandled rejection, which
   * exits the process. Logged here instead (an outage as a warning without a stack, as for HTTP); the
   * returned error is what Nest sends back to a request, and is dropped for an event.
   */
  private catchRpc(exception: unknown, host: ArgumentsHost): Observable<never> {
    const context: unknown = host.switchToRpc().getContext();
    const pattern = typeof (context as { getChannel?: unknown } | null)?.getChannel === 'function' ? (context as { getChannel(): string }).getChannel() : undefined;
    const dependency = classifyOutage(exception);
    if (dependency) {
      const { name, code } = exception as { name?: unknown; code?: unknown };
      this.rpcLogger.warn({ msg: 'event handler failed: dependency unavailable', pattern, dependency, error: String(name), ...(typeof code === 'string' ? { code } : {}) });
      return throwError(() => ({ status: 'error', message: outageMessage(dependency) }));
    }
    this.rpcLogger.error({ msg: 'event handler failed', pattern }, exception instanceof Error ? exception : undefined);
    return throwError(() => ({ status: 'error', message: 'Internal server error' }));
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof DomainError) {
      return { statusCode: exception.statusCode, code: exception.code, message: exception.message };
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const response = exception.getResponse();
      const fields = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {};
      const rawMessage = typeof response === 'string' ? response : fields.message;
      const message = Array.isArray(rawMessage) ? rawMessage.join('; ') : String(rawMessage ?? exception.message);
      const code = typeof fields.code === 'string' ? fields.code : codeForStatus(statusCode);
      return { statusCode, code, message: statusCode >= 500 ? 'Internal server error' : message };
    }
    const bodyParserError = asBodyParserError(exception);
    if (bodyParserError) return bodyParserError;
    return { statusCode: 500, code: ErrorCode.Internal, message: 'Internal server error' };
  }
}

// Express body-parser failures (bad JSON, body too large) arrive as http-errors objects.
function asBodyParserError(exception: unknown): ErrorBody | null {
  if (typeof exception !== 'object' || exception === null) return null;
  const { type, status } = exception as { type?: unknown; status?: unknown };
  if (type === 'entity.parse.failed') {
    return { statusCode: 400, code: ErrorCode.InvalidJson, message: 'Request body is not valid JSON' };
  }
  if (type === 'entity.too.large') {
    return { statusCode: 413, code: ErrorCode.PayloadTooLarge, message: 'Request body is too large' };
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { statusCode: status, code: codeForStatus(status), message: 'Request could not be read' };
  }
  return null;
}

/**
 * Express error middleware placed right after the JSON body parser, so malformed or oversized
 * bodies get the same error shape (Nest would otherwise echo the parser's own message).
 */
export function rejectUnreadableBody(error: unknown, request: Request, response: Response, next: NextFunction): void {
  const body = asBodyParserError(error);
  if (!body) {
    next(error);
    return;
  }
  response.status(body.statusCode).json(withCorrelationField(body, request));
}
