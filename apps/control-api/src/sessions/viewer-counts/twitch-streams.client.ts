import { AccessTokenRejectedError, PlatformUnavailableError } from '../../platform-links/oauth/oauth.types';
import { type TwitchAppOptions, TwitchAppHelix, TwitchAppTokenError } from '../../platform-links/oauth/twitch-app-helix';
import { readPlatformError } from '../../platform-links/oauth/platform-http';
import { PlatformPausedError } from './viewer-count.errors';

/** Get Streams takes at most 100 `user_id`s per call (twitch.md §2.1). */
export const TWITCH_IDS_PER_CALL = 100;

export type TwitchClientOptions = TwitchAppOptions;

export interface TwitchStreamsAnswer {
  /** user id → `viewer_count`, for the users that are live; a user who is not live is absent. */
  counts: Map<string, number>;
  /** `Ratelimit-Limit` / `Ratelimit-Remaining` / `Ratelimit-Reset` (as epoch ms) of the answer, when Twitch sent them (§2.7). */
  limit: number | null;
  remaining: number | null;
  resetAtMs: number | null;
}

/**
 * Twitch Get Streams for many creators at once, with an app access token (client credentials,
 * twitch.md §1.5): minted on first use and minted again when Helix stops accepting it. Errors carry
 * the status and Twitch's message, never a token or a user id.
 */
export class TwitchStreamsClient {
  private readonly app: TwitchAppHelix;

  constructor(private readonly options: TwitchClientOptions) {
    this.app = new TwitchAppHelix(options);
  }

  /**
   * Live viewer counts of up to 100 users. Throws PlatformPausedError on 429 (until
   * Ratelimit-Reset), PlatformUnavailableError when Twitch fails or refuses.
   */
  async viewerCounts(userIds: readonly string[]): Promise<TwitchStreamsAnswer> {
    if (userIds.length > TWITCH_IDS_PER_CALL) throw new RangeError(`Get Streams takes at most ${TWITCH_IDS_PER_CALL} user ids (got ${userIds.length})`);
    const query = new URLSearchParams([...userIds.map((id): [string, string] => ['user_id', id]), ['type', 'live'], ['first', String(TWITCH_IDS_PER_CALL)]]);
    const response = await this.helix(`/streams?${query.toString()}`);
    const limit = numberHeader(response, 'ratelimit-limit');
    const remaining = numberHeader(response, 'ratelimit-remaining');
    const reset = numberHeader(response, 'ratelimit-reset');
    const resetAtMs = reset === null ? null : reset * 1000;
    if (response.status === 429) {
      throw new PlatformPausedError('rate_limited', resetAtMs ?? Date.now() + 1000, 'Twitch Get Streams answered 429 (rate limit)');
    }
    if (!response.ok) throw new PlatformUnavailableError(`Twitch Get Streams answered ${response.status}: ${await this.message(response)}`);
    const body = (await response.json()) as { data?: { user_id?: string; viewer_count?: number; type?: string }[] };
    const counts = new Map<string, number>();
    for (const stream of body.data ?? []) {
      if (typeof stream.user_id === 'string' && typeof stream.viewer_count === 'number') counts.set(stream.user_id, stream.viewer_count);
    }
    return { counts, limit, remaining, resetAtMs };
  }

  /** A Helix GET with the shared app token; token trouble becomes PlatformUnavailableError with Twitch's message. */
  private async helix(path: string): Promise<Response> {
    try {
      return await this.app.request('GET', path);
    } catch (error) {
      if (error instanceof TwitchAppTokenError) throw new PlatformUnavailableError(`${error.message}: ${await this.message(error.response)}`);
      if (error instanceof AccessTokenRejectedError) throw new PlatformUnavailableError('Twitch refused a fresh app access token (check STREAM_TWITCH_CLIENT_ID/SECRET)');
      throw error;
    }
  }

  /** Twitch's `{error, status, message}` message via readPlatformError (printable, cut short, client id and secret masked). */
  private async message(response: Response): Promise<string> {
    return (await readPlatformError(response, [this.options.clientId, this.options.clientSecret])).detail || 'no message';
  }
}

function numberHeader(response: Response, name: string): number | null {
  const value = response.headers.get(name);
  return value !== null && /^\d+$/.test(value.trim()) ? Number(value) : null;
}
