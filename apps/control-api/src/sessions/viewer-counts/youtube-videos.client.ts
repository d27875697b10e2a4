import { PlatformUnavailableError } from '../../platform-links/oauth/oauth.types';
import { platformFetch } from '../../platform-links/oauth/platform-http';
import { readPlatformError } from '../../platform-links/oauth/platform-http';
import { PlatformPausedError } from './viewer-count.errors';

/** videos.list takes at most 50 ids per call and costs 1 quota unit (youtube.md §2.3, §4). */
export const YOUTUBE_IDS_PER_CALL = 50;
const VIDEOS_LIST_UNITS = 1;

export interface YouTubeClientOptions {
  apiBaseUrl: string;
  /** A Data API key (enough for public videos); empty = callers pass a creator's bearer token. */
  apiKey: string;
  timeoutMs: number;
  /** Records the quota units of each call made (Google charges failed calls too). */
  spend: (units: number) => Promise<unknown>;
  /** Epoch ms when the quota day ends (midnight Pacific), for a quotaExceeded pause. */
  quotaResetsAt: (now: number) => number;
  /** How long to pause after a rateLimitExceeded answer, ms. */
  rateLimitPauseMs: number;
}

export interface VideoViewers {
  /** `liveStreamingDetails.concurrentViewers` as a number; null when absent (hidden by the owner, or not live). */
  viewers: number | null;
  /** `actualEndTime` is set: the broadcast is over. */
  ended: boolean;
}

/**
 * YouTube `videos.list?part=liveStreamingDetails&id=…` for up to 50 videos per call. Errors carry the
 * status and Google's reason, never the key or a token.
 */
export class YouTubeVideosClient {
  constructor(private readonly options: YouTubeClientOptions) {}

  get usesApiKey(): boolean {
    return this.options.apiKey !== '';
  }

  /**
   * video id → viewers; ids YouTube does not know are absent. Throws PlatformPausedError on 403
   * quotaExceeded (until the quota day ends) or rateLimitExceeded, AccessTokenRejectedError on 401.
   */
  async viewerCounts(videoIds: readonly string[], bearer?: string): Promise<Map<string, VideoViewers>> {
    if (videoIds.length > YOUTUBE_IDS_PER_CALL) throw new RangeError(`videos.list takes at most ${YOUTUBE_IDS_PER_CALL} ids (got ${videoIds.length})`);
    const query = new URLSearchParams({ part: 'liveStreamingDetails', id: videoIds.join(',') });
    if (this.usesApiKey) query.set('key', this.options.apiKey);
    else if (!bearer) throw new Error('videos.list needs STREAM_YOUTUBE_API_KEY or a bearer token');
    await this.options.spend(VIDEOS_LIST_UNITS);
    const response = await platformFetch(
      `${this.options.apiBaseUrl}/videos?${query.toString()}`,
      { headers: this.usesApiKey ? {} : { Authorization: `Bearer ${bearer}` } },
      this.options.timeoutMs,
    );
    if (!response.ok) throw await this.failure(response, bearer);
    const body = (await response.json()) as { items?: { id?: string; liveStreamingDetails?: { concurrentViewers?: unknown; actualEndTime?: unknown } }[] };
    const out = new Map<string, VideoViewers>();
    for (const item of body.items ?? []) {
      if (typeof item.id !== 'string') continue;
      const details = item.liveStreamingDetails ?? {};
      // concurrentViewers is a string of digits (an int64 in JSON), absent when hidden or over.
      const raw = details.concurrentViewers;
      const viewers = typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : typeof raw === 'number' && Number.isSafeInteger(raw) ? raw : null;
      out.set(item.id, { viewers, ended: typeof details.actualEndTime === 'string' });
    }
    return out;
  }

  private async failure(response: Response, bearer: string | undefined): Promise<Error> {
    const { reason } = await readPlatformError(response, [this.options.apiKey, bearer ?? '']);
    const now = Date.now();
    if (reason === 'quotaExceeded' || reason === 'dailyLimitExceeded') {
      return new PlatformPausedError('quota_exceeded', this.options.quotaResetsAt(now), `YouTube videos.list answered ${response.status} ${reason}`);
    }
    if (response.status === 429 || reason === 'rateLimitExceeded' || reason === 'userRateLimitExceeded') {
      return new PlatformPausedError('rate_limited', now + this.options.rateLimitPauseMs, `YouTube videos.list answered ${response.status} ${reason}`);
    }
    return new PlatformUnavailableError(`YouTube videos.list answered ${response.status} ${reason}`);
  }
}
