import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';

// Delete/extend only if the caller still owns the lock, atomically.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export class LockNotAcquiredError extends Error {
  override readonly name = 'LockNotAcquiredError';

  constructor(readonly key: string) {
    super(`Could not acquire lock ${key}`);
  }
}

export interface Lock {
  readonly key: string;
  readonly token: string;
  /** Pushes the expiry out again; false when the lock was lost (expired and taken by someone else). */
  extend(ttlMs: number): Promise<boolean>;
  /** Releases the lock if still held; false when it had already expired or been taken over. */
  release(): Promise<boolean>;
}

export interface AcquireOptions {
  /** How long the lock lives unless extended or released. */
  ttlMs: number;
  /** How long to keep retrying before giving up; 0 = one attempt. */
  waitMs?: number;
  retryDelayMs?: number;
}

/** Redis locks with a TTL and owner tokens (SET NX PX + compare-and-delete). */
export class RedisLocks {
  constructor(private readonly redis: Redis) {}

  async tryAcquire(key: string, ttlMs: number): Promise<Lock | null> {
    const token = randomBytes(16).toString('hex');
    const ok = await this.redis.set(key, token, 'PX', ttlMs, 'NX');
    return ok === 'OK' ? this.handle(key, token) : null;
  }

  async acquire(key: string, options: AcquireOptions): Promise<Lock> {
    const deadline = Date.now() + (options.waitMs ?? 0);
    const retryDelayMs = options.retryDelayMs ?? 50;
    for (;;) {
      const lock = await this.tryAcquire(key, options.ttlMs);
      if (lock) return lock;
      if (Date.now() + retryDelayMs > deadline) throw new LockNotAcquiredError(key);
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
    }
  }

  /** Runs `work` while holding the lock and always releases it afterwards. */
  async withLock<T>(key: string, options: AcquireOptions, work: () => Promise<T>): Promise<T> {
    const lock = await this.acquire(key, options);
    try {
      return await work();
    } finally {
      await lock.release();
    }
  }

  private handle(key: string, token: string): Lock {
    const redis = this.redis;
    return {
      key,
      token,
      extend: async (ttlMs) => (await redis.eval(EXTEND, 1, key, token, String(ttlMs))) === 1,
      release: async () => (await redis.eval(RELEASE, 1, key, token)) === 1,
    };
  }
}
