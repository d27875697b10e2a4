import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import type Redis from 'ioredis';

import { Role } from '@lib-stream/contracts';
import { REDIS } from '@lib-stream/nest-kit';

import type { Principal } from '../auth/principal';
import { withRedisDeadline } from './redis-deadline';

/** How long a ticket may wait before the upgrade that uses it, in seconds. */
export const LIVE_TICKET_TTL_SECONDS = 30;

/** What a ticket stands for: the caller's principal and when their bearer token stops being accepted. */
export interface TicketHolder {
  principal: Principal;
  /** ms since the epoch: the socket is closed then (as for a socket opened with the token itself). */
  expiresAtMs: number;
}

const KNOWN_ROLES = new Set<string>(Object.values(Role));

/**
 * Single-use tickets for browsers, which cannot set `Authorization` on a WebSocket: a REST call with
 * the bearer token gets one, the upgrade presents it as `?ticket=`. 32 random bytes; Redis holds only
 * a SHA-256 of it (key `stream:live-ticket:{hash}`, TTL LIVE_TICKET_TTL_SECONDS), and GETDEL makes a
 * second use find nothing, on whichever replica it is tried.
 */
@Injectable()
export class LiveTicketStore {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /**
   * A fresh ticket for `holder`, usable until `tokenExpiresAtMs` at the latest (default: the holder's
   * expiresAtMs); ServiceUnavailableError when Redis fails or stalls (the REST filter answers 503 with Retry-After).
   */
  async issue(holder: TicketHolder, tokenExpiresAtMs = holder.expiresAtMs): Promise<{ ticket: string; expiresInSeconds: number }> {
    const ticket = randomBytes(32).toString('base64url');
    // A ticket never outlives the token it was issued for: its `exp` itself (ms since the epoch),
    // not the clock tolerance after it, so `expiresInSeconds` never promises more than the token has left.
    const ttlMs = Math.min(LIVE_TICKET_TTL_SECONDS * 1000, tokenExpiresAtMs - Date.now());
    const value = JSON.stringify({ accountId: holder.principal.accountId, roles: holder.principal.roles, expiresAtMs: holder.expiresAtMs });
    await withRedisDeadline(this.redis.set(ticketKey(ticket), value, 'PX', Math.max(1, ttlMs)));
    return { ticket, expiresInSeconds: Math.max(0, Math.floor(ttlMs / 1000)) };
  }

  /** The holder once; null for an unknown, expired or already used ticket. ServiceUnavailableError when Redis fails or stalls. */
  async consume(ticket: string): Promise<TicketHolder | null> {
    const raw = await withRedisDeadline(this.redis.getdel(ticketKey(ticket)));
    if (!raw) return null;
    const { accountId, roles, expiresAtMs } = JSON.parse(raw) as { accountId: string; roles: unknown[]; expiresAtMs: number };
    if (expiresAtMs <= Date.now()) return null;
    return { principal: { accountId, roles: roles.filter((role): role is Role => typeof role === 'string' && KNOWN_ROLES.has(role)) }, expiresAtMs };
  }
}

function ticketKey(ticket: string): string {
  return `stream:live-ticket:${createHash('sha256').update(ticket).digest('hex')}`;
}
