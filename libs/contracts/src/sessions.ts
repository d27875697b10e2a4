import type { SentimentCategory, TrackedViewerType } from '@lib-stream/privacy';

import type { StreamPlatform } from './enums';

/** Redis keys of the `stream-sessions` and `stream-sentiment-buffer` stores. */
export const SessionKeys = {
  session: (platformSessionId: string) => `stream:sess:${platformSessionId}`,
  byAccount: (accountId: string) => `stream:sess-account:${accountId}`,
  activeByLink: (linkId: string) => `stream:sess-link:${linkId}`,
  /** Ids of every active session: what the pulse publisher drains. */
  active: () => 'stream:sess-active',
  /** Counters of a session (entries per category, accepted, shed), a Redis hash updated with HINCRBY. */
  stats: (platformSessionId: string) => `stream:sess-stats:${platformSessionId}`,
  buffer: (platformSessionId: string) => `stream:sent:${platformSessionId}`,
  rate: (platformSessionId: string, second: number) => `stream:sent-rate:${platformSessionId}:${second}`,
  webhookMessage: (platform: string, messageId: string) => `stream:webhook-seen:${platform}:${messageId}`,
  /** YouTube Data API units a Google project (hashed client id) spent on a Pacific-time day (Google's quota day). */
  youtubeQuota: (project: string, day: string) => `stream:yt-quota:${project}:${day}`,
  /** Units a project spent in one 10-second bucket (epoch seconds / 10): the current spending rate. */
  youtubeQuotaRate: (project: string, bucket: number) => `stream:yt-quota-rate:${project}:${bucket}`,
  /** Hash: platformSessionId → the polling rate that session would use unstretched (units/ms, with an expiry). */
  youtubeQuotaDemand: (project: string) => `stream:yt-quota-demand:${project}`,
  /** How a YouTube session's chat is read: `streamList` or `polling` (and why), for session status. */
  youtubeChatTransport: (platformSessionId: string) => `stream:yt-chat-transport:${platformSessionId}`,
  /** The last pulse published for a session (short TTL), for /stream/admin/pulse/latest. */
  latestPulse: (platformSessionId: string) => `stream:pulse-latest:${platformSessionId}`,
  /**
   * Pulse publishing: the last interval (epoch ms / interval length) a partition's pulses were begun for,
   * set only by the partition's lease holder and only forwards, so no partition is ticked twice in one interval.
   */
  pulsePartitionTicked: (partition: number) => `stream:pulse-ticked:${partition}`,
  /** Pulse publishing: live replicas, a sorted set of replica id → heartbeat expiry (epoch ms, Redis clock). */
  pulseReplicas: () => 'stream:pulse-replicas',
  /** Pulse publishing: the partition count the live replicas use (kept alive by their heartbeats). */
  pulsePartitionCount: () => 'stream:pulse-partitions',
  /** Viewer-count refresh: the lease for one shard in one interval (named by the interval, so never won twice for it). */
  viewerRefreshLease: (interval: number, shard: number) => `stream:viewer-refresh:${interval}:${shard}`,
  /** Viewer-count refresh: the shard count every replica uses in one interval. */
  viewerRefreshShards: (interval: number) => `stream:viewer-shards:${interval}`,
  /**
   * Epoch ms before which no replica calls `platform` for viewer counts; `scope` is a hash of the
   * client id (Twitch's bucket is per client, Google's quota per project).
   */
  viewerBackoff: (platform: string, scope: string) => `stream:viewer-backoff:${platform}:${scope}`,
  /** Present while a link's WebSub lease does not need renewing yet. */
  websubLease: (linkId: string) => `stream:yt-websub:${linkId}`,
  /** A WebSub (un)subscribe this service sent and awaits the hub's verification of (value: link id); keyed hash of the channel. */
  websubPending: (mode: 'subscribe' | 'unsubscribe', channelHash: string) => `stream:yt-websub-pending:${mode}:${channelHash}`,
  /** Returner detection: the current random salt (expires at rotation; a new one is made when it is gone). */
  returnerSalt: () => 'stream:returner-salt',
  /** Returner detection: a viewer seen within the retention, named by HMAC(salt, link + platform user id) only. */
  returnerSeen: (viewerHash: string) => `stream:returner:${viewerHash}`,
} as const;

export type SessionState = 'active' | 'ended';

/** A platform session as stored in Redis: no chat, no usernames, no platform user ids. */
export interface PlatformSessionModel {
  platformSessionId: string;
  linkId: string;
  accountId: string;
  platform: StreamPlatform;
  state: SessionState;
  /** The platform's id of the broadcast (Twitch stream id, YouTube video id); not a user id. */
  platformStreamId: string | null;
  /** YouTube: the live chat polled while the session is active. */
  liveChatId?: string | null;
  inGameSessionId: string | null;
  startedAt: string;
  endedAt: string | null;
  viewerCount: number;
  peakViewerCount: number;
}

/** One buffered entry: exactly the anonymous fields of a SentimentEntry, plus when it was buffered. */
export interface BufferedSentimentEntry {
  category: SentimentCategory;
  intensity: number;
  trackingId: string | null;
  viewerType: TrackedViewerType | null;
  /** Epoch ms, for expiry accounting; never published. */
  at: number;
}
