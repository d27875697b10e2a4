import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';

import { CameraKeys, type CameraCredentialsChange, InternalChannels } from '@lib-stream/contracts';
import { REDIS, scanKeys } from '@lib-stream/nest-kit';

export interface RebuildResult {
  /** Null when Redis already matched the database and nothing was rewritten. */
  generation: string | null;
  added: number;
  removed: number;
}

/**
 * The ingest allow-list in Redis (`stream:cam-key:{hash}` → camera id), which media workers load
 * and follow through the credentials channel. A cache of the database: `rebuild` makes it equal to
 * the camera table again.
 */
@Injectable()
export class CameraAllowList {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** One create, reset or delete: the index first, then the notice that makes workers follow at once. */
  async apply(change: CameraCredentialsChange): Promise<void> {
    const tx = this.redis.multi();
    if (change.revokedKeyHash) tx.del(CameraKeys.keyIndex(change.revokedKeyHash));
    if (change.keyHash) tx.set(CameraKeys.keyIndex(change.keyHash), change.cameraId);
    await execOrThrow(tx);
    await this.announce(change);
  }

  async hasGeneration(): Promise<boolean> {
    return (await this.redis.exists(CameraKeys.allowListGeneration())) === 1;
  }

  /**
   * Rewrites the allow-list from the database's cameras. Stale entries (a camera deleted while
   * Redis could not be told) are removed and announced as revocations so a publisher still using
   * one is cut; `replay` re-announces changes whose notice was lost. The generation is written
   * last, so a worker that sees it finds the whole list.
   */
  async rebuild(cameras: { id: string; keyHash: string }[], replay: CameraCredentialsChange[] = []): Promise<RebuildResult> {
    const current = await this.entries();
    const wanted = new Map(cameras.map((c) => [c.keyHash, c.id]));
    const added = [...wanted].filter(([keyHash, cameraId]) => current.get(keyHash) !== cameraId);
    const removed = [...current].filter(([keyHash]) => !wanted.has(keyHash));
    if (added.length === 0 && removed.length === 0 && replay.length === 0 && (await this.hasGeneration())) {
      return { generation: null, added: 0, removed: 0 };
    }
    const generation = randomUUID();
    const tx = this.redis.multi();
    for (const [keyHash, cameraId] of added) tx.set(CameraKeys.keyIndex(keyHash), cameraId);
    for (const [keyHash] of removed) tx.del(CameraKeys.keyIndex(keyHash));
    tx.set(CameraKeys.allowListGeneration(), generation);
    await execOrThrow(tx);
    for (const [keyHash, cameraId] of removed) await this.announce({ cameraId, keyHash: null, revokedKeyHash: keyHash });
    for (const change of replay) await this.announce(change);
    await this.redis.publish(InternalChannels.CameraAllowListRebuilt, generation);
    return { generation, added: added.length, removed: removed.length };
  }

  private async entries(): Promise<Map<string, string>> {
    const keys = await scanKeys(this.redis, CameraKeys.keyIndexPattern());
    const entries = new Map<string, string>();
    const prefix = CameraKeys.keyIndex('').length;
    for (let i = 0; i < keys.length; i += 500) {
      const batch = keys.slice(i, i + 500);
      const cameraIds = await this.redis.mget(batch);
      batch.forEach((key, j) => {
        const cameraId = cameraIds[j];
        if (cameraId) entries.set(key.slice(prefix), cameraId);
      });
    }
    return entries;
  }

  private async announce(change: CameraCredentialsChange): Promise<void> {
    await this.redis.publish(InternalChannels.CameraCredentials, JSON.stringify(change));
  }
}

/** MULTI/EXEC reports a failed command in its reply rather than by rejecting. */
async function execOrThrow(tx: ReturnType<Redis['multi']>): Promise<void> {
  const results = await tx.exec();
  if (!results) throw new Error('allow-list transaction aborted');
  const failed = results.find(([error]) => error);
  if (failed) throw failed[0] as Error;
}
