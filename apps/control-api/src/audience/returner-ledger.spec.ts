import { randomBytes } from 'node:crypto';

import { EncryptionSettings, ReturnerSettings, loadConfig } from '@lib-stream/nest-kit';

import type { RedisMicroBatch } from './redis-micro-batch';
import { ReturnerMemory } from './returner-ledger';

describe('ReturnerMemory', () => {
  const batch = { script: () => Promise.reject(new Error('not used here')) } as unknown as RedisMicroBatch;
  const memory = (env: Record<string, string>) => {
    const config = loadConfig(env);
    return new ReturnerMemory(batch, new EncryptionSettings(config), new ReturnerSettings(config));
  };

  it('is on with a usable token encryption key, the secret its hashes need outside Redis', () => {
    expect(memory({ STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64') }).enabled).toBe(true);
    expect(memory({ STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex') }).enabled).toBe(true);
  });

  it('stores nothing without one (a copy of Redis alone must not let anyone test guessed ids), nor when switched off', () => {
    expect(memory({ STREAM_TOKEN_ENCRYPTION_KEY: '' }).enabled).toBe(false);
    expect(memory({ STREAM_TOKEN_ENCRYPTION_KEY: 'too-short' }).enabled).toBe(false);
    expect(memory({ STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'), STREAM_TRACK_RETURNERS: 'false' }).enabled).toBe(false);
  });
});
