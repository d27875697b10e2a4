/** Distributed lock keys (store `stream-lock`, prefix `stream:lock`). */
export const LockKeys = {
  link: (accountId: string, platform: string) => `stream:lock:link:${accountId}:${platform}`,
  tokenRefresh: (linkId: string) => `stream:lock:token-refresh:${linkId}`,
  youtubeChat: (platformSessionId: string) => `stream:lock:yt-chat:${platformSessionId}`,
  websubManager: () => 'stream:lock:websub-manager',
  session: (platformSessionId: string) => `stream:lock:session:${platformSessionId}`,
  broadcast: (broadcastId: string) => `stream:lock:broadcast:${broadcastId}`,
  sentimentPublisher: () => 'stream:lock:sentiment-publisher',
  /** A pulse-publisher replica's lease on one partition of the active sessions (value: the holder's token). */
  pulsePartition: (partition: number) => `stream:lock:pulse-partition:${partition}`,
  webhookManager: () => 'stream:lock:webhook-manager',
  migrations: () => 'stream:lock:migrations',
  /** Camera writes and allow-list rebuilds, so a rebuild never resurrects a key deleted meanwhile. */
  cameras: () => 'stream:lock:cameras',
} as const;
