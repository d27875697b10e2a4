import { channelFeedTopic, channelOfTopic, parseFeedEntries } from './websub';

const channelId = 'UCxxxxxxxxxxxxxxxxxxxxxx';
const feed = `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns="http://www.w3.org/2005/Atom">
  <link rel="hub" href="https://pubsubhubbub.appspot.com"/>
  <title>YouTube video feed</title>
  <entry>
    <id>yt:video:VIDEO_ID_11</id>
    <yt:videoId>VIDEO_ID_11</yt:videoId>
    <yt:channelId>${channelId}</yt:channelId>
    <title>Video title</title>
  </entry>
</feed>`;

describe('WebSub helpers', () => {
  it('round-trips a channel feed topic and refuses other topics', () => {
    expect(channelOfTopic(channelFeedTopic(channelId))).toBe(channelId);
    expect(channelOfTopic('https://evil.example.com/feed?channel_id=UCxxxxxxxxxxxxxxxxxxxxxx')).toBeNull();
  });

  it('reads the video and channel of each entry, and nothing from a deleted-entry', () => {
    expect(parseFeedEntries(feed)).toEqual([{ channelId, videoId: 'VIDEO_ID_11' }]);
    expect(parseFeedEntries('<feed><at:deleted-entry ref="yt:video:VIDEO_ID_11"/></feed>')).toEqual([]);
  });
});
