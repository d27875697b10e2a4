const FEED_TOPIC = /^https:\/\/www\.youtube\.com\/xml\/feeds\/videos\.xml\?channel_id=(UC[\w-]{22})$/;

export function channelFeedTopic(channelId: string): string {
  return `https://www.youtube.com/xml/feeds/videos.xml?channel_id=${channelId}`;
}

export function channelOfTopic(topic: string): string | null {
  return FEED_TOPIC.exec(topic)?.[1] ?? null;
}

export interface FeedEntry {
  channelId: string;
  videoId: string;
}

/** The entries of a pushed Atom feed; a deleted-entry notification yields none. */
export function parseFeedEntries(xml: string): FeedEntry[] {
  const entries: FeedEntry[] = [];
  for (const match of xml.matchAll(/<entry>([\s\S]*?)<\/entry>/g)) {
    const videoId = /<yt:videoId>([\w-]{6,20})<\/yt:videoId>/.exec(match[1])?.[1];
    const channelId = /<yt:channelId>(UC[\w-]{22})<\/yt:channelId>/.exec(match[1])?.[1];
    if (videoId && channelId) entries.push({ channelId, videoId });
  }
  return entries;
}
