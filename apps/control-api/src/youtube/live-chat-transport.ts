import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';

import { SessionKeys } from '@lib-stream/contracts';
import { REDIS } from '@lib-stream/nest-kit';

/** How a YouTube session's chat is being read (youtube.md §3.1 polling, §3.2 streamList). */
export type LiveChatTransport = 'streamList' | 'polling';

export interface LiveChatTransportState {
  transport: LiveChatTransport;
  /** Why polling is used: the gRPC status name (e.g. `UNIMPLEMENTED`) or `disabled`; null when streaming. */
  fallbackReason: string | null;
  since: string;
}

const TTL_SECONDS = 2 * 86_400;

/** The transport each YouTube session's chat uses, in Redis so any replica can show it in session status. */
@Injectable()
export class LiveChatTransports {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async set(platformSessionId: string, transport: LiveChatTransport, fallbackReason: string | null = null): Promise<void> {
    const state: LiveChatTransportState = { transport, fallbackReason, since: new Date().toISOString() };
    await this.redis.set(SessionKeys.youtubeChatTransport(platformSessionId), JSON.stringify(state), 'EX', TTL_SECONDS);
  }

  async get(platformSessionId: string): Promise<LiveChatTransportState | null> {
    const raw = await this.redis.get(SessionKeys.youtubeChatTransport(platformSessionId));
    return raw ? (JSON.parse(raw) as LiveChatTransportState) : null;
  }
}
