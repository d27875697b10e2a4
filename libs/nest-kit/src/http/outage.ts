import { ErrorCode } from '@lib-stream/contracts';

import { DomainError } from './domain-error';

/** Which dependency an outage is blamed on; it is named in the 503 message. */
export type OutageDependency = 'Redis' | 'The database' | 'A dependency';

/** Seconds a caller is asked to wait (Retry-After) before retrying after an outage answer. */
export const OUTAGE_RETRY_AFTER_SECONDS = 3;

/**
 * An outage our own code detects (a deadline passed, a dependency did not answer). Answers 503
 * SERVICE_UNAVAILABLE with Retry-After, like the driver errors `classifyOutage` recognises.
 */
export class ServiceUnavailableError extends DomainError {
  constructor(
    readonly dependency: OutageDependency | string,
    options?: { cause?: unknown },
  ) {
    super(ErrorCode.ServiceUnavailable, outageMessage(dependency));
    if (options?.cause !== undefined) Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false });
  }
}

export function outageMessage(dependency: string): string {
  return `${dependency} is unavailable, retry shortly`;
}

// Socket-level failures: the dependency is unreachable, whichever client saw it.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

// mysql2 client codes and MariaDB/MySQL server codes that mean "not now", not "bad request".
// ER_LOCK_WAIT_TIMEOUT is transient contention, so retrying later is the right advice too.
const DATABASE_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_OUT_OF_RESOURCES',
  'ER_CANT_CREATE_THREAD',
  'ER_SERVER_SHUTDOWN',
  'ER_HOST_IS_BLOCKED',
  'ER_ABORTING_CONNECTION',
  'ER_NEW_ABORTING_CONNECTION',
  'ER_NET_READ_INTERRUPTED',
  'ER_QUERY_INTERRUPTED',
  'ER_CLIENT_INTERACTION_TIMEOUT',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_OPTION_PREVENTS_STATEMENT',
  'ER_READ_ONLY_MODE',
]);

// mysql2 pool/connection messages that carry no code.
const DATABASE_MESSAGES = ['Pool is closed.', 'Queue limit reached.', 'No connections available.', "Can't add new command when connection is in closed state", "Can't write in closed state"];

// TypeORM errors thrown while the DataSource has no usable connection (before initialize, after destroy).
const DATABASE_ERROR_NAMES = new Set(['CannotExecuteNotConnectedError', 'ConnectionIsNotSetError', 'CannotGetEntityManagerNotConnectedError']);
const DATABASE_NOT_CONNECTED = /^Connection is not established with \w+ database$/;

const REDIS_MESSAGES = [
  "Stream isn't writeable and enableOfflineQueue options is false",
  "Cluster isn't ready and enableOfflineQueue options is false",
  'Connection is closed.',
  'None of startup nodes is available',
];
const REDIS_ERROR_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);
// Server replies that mean "this Redis cannot serve you right now" (replica, loading, failover, busy script).
const REDIS_REPLY_PREFIXES = ['READONLY', 'LOADING', 'CLUSTERDOWN', 'MASTERDOWN', 'TRYAGAIN', 'BUSY ', 'MISCONF', 'NOREPLICAS'];

const MAX_DEPTH = 5;

/**
 * Recognises an error that means a dependency (Redis, the database) is down or unreachable rather
 * than a bug or a bad request, looking through wrappers (`driverError`, `cause`, AggregateError).
 * Returns the dependency to blame, or null for anything else.
 */
export function classifyOutage(error: unknown, depth = 0): OutageDependency | null {
  if (depth > MAX_DEPTH || typeof error !== 'object' || error === null) return null;
  if (error instanceof ServiceUnavailableError) return error.dependency as OutageDependency;
  const { name, message, code, fatal, sqlState } = error as { name?: unknown; message?: unknown; code?: unknown; fatal?: unknown; sqlState?: unknown };
  const text = typeof message === 'string' ? message : '';
  const errorCode = typeof code === 'string' ? code : '';

  if (typeof name === 'string' && REDIS_ERROR_NAMES.has(name)) return 'Redis';
  if (REDIS_MESSAGES.includes(text)) return 'Redis';
  if (name === 'ReplyError' && REDIS_REPLY_PREFIXES.some((prefix) => text.startsWith(prefix))) return 'Redis';

  if (DATABASE_CODES.has(errorCode)) return 'The database';
  if (DATABASE_MESSAGES.includes(text)) return 'The database';
  if ((typeof name === 'string' && DATABASE_ERROR_NAMES.has(name)) || DATABASE_NOT_CONNECTED.test(text)) return 'The database';
  if (NETWORK_CODES.has(errorCode)) {
    // mysql2 marks connection-level failures fatal and its errors carry sqlState; ioredis's never do.
    return fatal === true || sqlState !== undefined ? 'The database' : 'A dependency';
  }

  const nested = [(error as { driverError?: unknown }).driverError, (error as { cause?: unknown }).cause, ...(error instanceof AggregateError ? error.errors : [])];
  for (const inner of nested) {
    const found = classifyOutage(inner, depth + 1);
    // TypeORM wraps every driver failure, so a bare socket error inside one is the database's.
    if (found) return found === 'A dependency' && name === 'QueryFailedError' ? 'The database' : found;
  }
  return null;
}

export function isInfrastructureOutage(error: unknown): boolean {
  return classifyOutage(error) !== null;
}
