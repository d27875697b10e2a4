import { SeenChatMessages } from './live-chat-dedupe';
import { StreamListChannels, restTypeName } from './live-chat-stream.client';

describe('StreamListChannels', () => {
  it('puts at most streamsPerChannel chats on one connection, reuses freed places and closes empty connections', () => {
    // Nothing connects until a call is made, so an unused loopback port is fine here.
    const channels = new StreamListChannels('127.0.0.1:9', false, 50);
    const held = Array.from({ length: 51 }, () => channels.acquire());
    expect(channels.usage()).toEqual([50, 1]);
    expect(held[0].client).toBe(held[49].client);
    expect(held[50].client).not.toBe(held[0].client);
    held[3].release();
    held[3].release(); // twice is once
    expect(channels.usage()).toEqual([49, 1]);
    const again = channels.acquire();
    expect(again.client).toBe(held[0].client);
    expect(channels.usage()).toEqual([50, 1]);
    held[50].release();
    expect(channels.usage()).toEqual([50]);
    for (const h of [...held.slice(0, 50), again]) h.release();
    expect(channels.usage()).toEqual([]);
  });
});

describe('restTypeName', () => {
  it('spells proto enum names as the REST type (youtube.md §3.3)', () => {
    expect(restTypeName('TEXT_MESSAGE_EVENT')).toBe('textMessageEvent');
    expect(restTypeName('GIFT_MEMBERSHIP_RECEIVED_EVENT')).toBe('giftMembershipReceivedEvent');
    expect(restTypeName('TOMBSTONE')).toBe('tombstone');
  });
});

describe('SeenChatMessages', () => {
  it('passes a message id once, passes each giftEvent combo update, and forgets the oldest past its capacity', () => {
    const seen = new SeenChatMessages(3);
    const text = (id: string) => ({ id, snippet: { type: 'textMessageEvent' } });
    const gift = (comboCount: number) => ({ id: 'g1', snippet: { type: 'giftEvent', giftDetails: { comboCount } } });
    expect(seen.firstTime(text('a'))).toBe(true);
    expect(seen.firstTime(text('a'))).toBe(false);
    expect(seen.firstTime(gift(1))).toBe(true);
    expect(seen.firstTime(gift(1))).toBe(false);
    expect(seen.firstTime(gift(2))).toBe(true);
    expect(seen.firstTime(text('b'))).toBe(true); // 'a' falls out
    expect(seen.firstTime(text('a'))).toBe(true);
    expect(seen.firstTime({ snippet: { type: 'textMessageEvent' } })).toBe(true);
  });
});
