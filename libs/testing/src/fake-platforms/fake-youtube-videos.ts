import type { FakeReply, RecordedRequest } from './fake-http-server';

/** What the videos handler needs from FakeGoogle (passed in, so this file does not import it back). */
export interface FakeVideosHost {
  broadcast(id: string): { id: string; channelId: string; lifeCycleStatus: string; liveChatId: string; actualStartTime: string | null } | undefined;
  chargeQuota(units: number): FakeReply | null;
  youtubeGrant(request: RecordedRequest): { grant: unknown } | { reply: FakeReply };
  error(code: number, reason: string, message: string, domain?: string): FakeReply;
}

const VIDEO_PARTS = new Set(['id', 'snippet', 'contentDetails', 'liveStreamingDetails', 'statistics', 'status', 'player', 'topicDetails', 'recordingDetails', 'localizations']);
const UPCOMING = new Set(['created', 'ready', 'testStarting', 'testing', 'liveStarting']);

/**
 * YouTube `videos.list` for FakeGoogle (youtube.md §2.3). Enforced rules:
 * - auth: an API key (`key=`, must be `apiKey`: else 400 keyInvalid) or a bearer token FakeGoogle
 *   accepts; neither → 403 forbidden. Every authenticated call is charged 1 unit (invalid ones too).
 * - `part` required (400 required) and from the documented parts (400 unknownPart).
 * - exactly one filter of `id`, `chart`, `myRating` (this fake serves `id` only); ≤50 ids (400).
 * - `liveStreamingDetails`: `actualStartTime` once started; `concurrentViewers` **as a string**, only
 *   while live and only when the owner shows it; `activeLiveChatId` only while live;
 *   `actualEndTime` once the broadcast is `complete`. Unknown ids are simply absent from `items`.
 */
export class FakeYouTubeVideos {
  private readonly viewers = new Map<string, number | null>();
  private readonly endedAt = new Map<string, string>();

  constructor(
    private readonly host: FakeVideosHost,
    readonly apiKey = 'fake-youtube-api-key-0789',
  ) {}

  /** The live video's concurrent viewers from now on; null hides the count (as its owner may). */
  setConcurrentViewers(videoId: string, viewers: number | null): void {
    this.viewers.set(videoId, viewers);
  }

  list(request: RecordedRequest): FakeReply {
    const { query } = request;
    const key = query.get('key');
    if (key !== null) {
      if (key !== this.apiKey) return this.host.error(400, 'keyInvalid', 'API key not valid. Please pass a valid API key.', 'usageLimits');
    } else if (request.headers.authorization) {
      const auth = this.host.youtubeGrant(request);
      if ('reply' in auth) return auth.reply;
    } else {
      return this.host.error(403, 'forbidden', 'The request is missing a valid API key.', 'global');
    }
    const overQuota = this.host.chargeQuota(1);
    if (overQuota) return overQuota;
    const part = query.get('part');
    if (!part) return this.host.error(400, 'required', 'Required parameter: part');
    const parts = part.split(',').map((p) => p.trim());
    const unknownPart = parts.find((p) => !VIDEO_PARTS.has(p));
    if (unknownPart !== undefined) return this.host.error(400, 'unknownPart', `'${unknownPart}'`);
    const filters = ['id', 'chart', 'myRating'].filter((f) => query.has(f));
    if (filters.length !== 1) return this.host.error(400, filters.length ? 'incompatibleParameters' : 'missingRequiredParameter', 'Exactly one of id, chart, myRating is required');
    if (filters[0] !== 'id') return this.host.error(400, 'invalidValue', 'This fake serves videos.list by id only');
    const ids = (query.get('id') ?? '').split(',').filter(Boolean);
    if (ids.length > 50) return this.host.error(400, 'invalidValue', 'The id parameter takes at most 50 video ids');
    const items = ids.flatMap((id) => {
      const video = this.host.broadcast(id);
      if (!video) return [];
      const live = video.lifeCycleStatus === 'live';
      const ended = video.lifeCycleStatus === 'complete' || video.lifeCycleStatus === 'revoked';
      if (ended && !this.endedAt.has(id)) this.endedAt.set(id, new Date().toISOString());
      const viewers = this.viewers.has(id) ? this.viewers.get(id) : 0;
      return [
        {
          kind: 'youtube#video',
          etag: `etag-${id}`,
          id,
          ...(parts.includes('snippet') ? { snippet: { channelId: video.channelId, title: 'Live', liveBroadcastContent: live ? 'live' : UPCOMING.has(video.lifeCycleStatus) ? 'upcoming' : 'none' } } : {}),
          ...(parts.includes('liveStreamingDetails')
            ? {
                liveStreamingDetails: {
                  ...(video.actualStartTime ? { actualStartTime: video.actualStartTime } : {}),
                  ...(ended ? { actualEndTime: this.endedAt.get(id) } : {}),
                  ...(live && viewers !== null && viewers !== undefined ? { concurrentViewers: String(viewers) } : {}),
                  ...(live ? { activeLiveChatId: video.liveChatId } : {}),
                },
              }
            : {}),
        },
      ];
    });
    return { status: 200, body: { kind: 'youtube#videoListResponse', etag: 'etag-v', items, pageInfo: { totalResults: items.length, resultsPerPage: items.length } } };
  }
}
