import { LoggerService } from '@nestjs/common';
import { inspect } from 'node:util';

import { SecretRedactor, secretRedactor } from '@lib-stream/stream-key';

import { currentCorrelationId } from '../correlation/correlation';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogSink {
  write(line: string): void;
}

export interface JsonLoggerOptions {
  service: string;
  instanceId?: string;
  level?: LogLevel;
  sink?: LogSink;
  redactor?: SecretRedactor;
}

/**
 * Structured JSON logger, one object per line. Every line, whatever its source (Nest internals,
 * our code, an error stack), goes through `redactor.redact()` right before it is written: that is
 * the single point where stream keys and registered secrets are masked. A line written while a
 * request or job runs carries its `correlationId` (see correlation.ts).
 */
export class JsonLogger implements LoggerService {
  private level: LogLevel;
  private readonly sink: LogSink;
  private readonly redactor: SecretRedactor;

  constructor(private readonly options: JsonLoggerOptions) {
    this.level = options.level ?? 'info';
    this.sink = options.sink ?? { write: (line) => process.stdout.write(line) };
    this.redactor = options.redactor ?? secretRedactor;
  }

  setLevel(level: LogLevel): void {
    this.level = level;
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  private write(level: LogLevel, message: unknown, rest: unknown[]): void {
    if (LEVEL_RANK[level] < LEVEL_RANK[this.level]) return;
    // Nest passes the context as the last string argument, and a stack before it for errors.
    const args = [...rest];
    const context = typeof args[args.length - 1] === 'string' ? (args.pop() as string) : undefined;
    const correlationId = currentCorrelationId();
    const entry: Record<string, unknown> = {
      time: new Date().toISOString(),
      level,
      service: this.options.service,
      ...(this.options.instanceId ? { instanceId: this.options.instanceId } : {}),
      ...(correlationId ? { correlationId } : {}),
      ...(context ? { context } : {}),
    };
    Object.assign(entry, describeMessage(message));
    for (const extra of args) {
      if (typeof extra === 'string') entry.stack = extra;
      else if (extra instanceof Error) entry.err = describeError(extra);
      else if (extra && typeof extra === 'object') Object.assign(entry, extra);
    }
    this.sink.write(this.redactor.redact(safeStringify(entry)) + '\n');
  }
}

function describeMessage(message: unknown): Record<string, unknown> {
  if (message instanceof Error) return { msg: message.message, err: describeError(message) };
  if (typeof message === 'string') return { msg: message };
  if (message && typeof message === 'object') {
    const { msg, message: text, ...fields } = message as Record<string, unknown>;
    return { msg: msg ?? text ?? '', ...fields };
  }
  return { msg: inspect(message) };
}

function describeError(error: Error): Record<string, unknown> {
  return { name: error.name, message: error.message, stack: error.stack };
}

function safeStringify(entry: Record<string, unknown>): string {
  try {
    return JSON.stringify(entry, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  } catch {
    return JSON.stringify({ ...entry, msg: inspect(entry.msg), unserializable: true });
  }
}
