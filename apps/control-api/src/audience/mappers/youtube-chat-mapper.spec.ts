import { mapLiveChatMessage } from './youtube-chat-mapper';

describe(mapLiveChatMessage.name, () => {
  it('maps text messages with the author roles', () => {
    expect(
      mapLiveChatMessage({
        snippet: { type: 'textMessageEvent', displayMessage: 'hello', textMessageDetails: { messageText: 'hello chat!' } },
        authorDetails: { channelId: 'UCviewer', isChatModerator: true, isChatSponsor: true },
      }),
    ).toEqual({ kind: 'chat', viewerId: 'UCviewer', text: 'hello chat!', signals: { isModerator: true, isSubscriber: true } });
  });

  it('maps Super Chats, Super Stickers and memberships with their amounts', () => {
    expect(mapLiveChatMessage({ snippet: { type: 'superChatEvent', superChatDetails: { amountMicros: '5000000', currency: 'EUR' } } })).toMatchObject({
      kind: 'superchat',
      amountMicros: 5_000_000,
      currency: 'EUR',
    });
    expect(mapLiveChatMessage({ snippet: { type: 'superStickerEvent', superStickerDetails: { amountMicros: 2_000_000, currency: 'USD' } } })).toMatchObject({ kind: 'superchat', amountMicros: 2_000_000 });
    expect(mapLiveChatMessage({ snippet: { type: 'newSponsorEvent' }, authorDetails: { channelId: 'UCm' } })).toEqual({ kind: 'membership', viewerId: 'UCm' });
    expect(mapLiveChatMessage({ snippet: { type: 'memberMilestoneChatEvent', memberMilestoneChatDetails: { memberMonth: 12 } } })).toMatchObject({ kind: 'membership', months: 12 });
    expect(mapLiveChatMessage({ snippet: { type: 'membershipGiftingEvent', membershipGiftingDetails: { giftMembershipsCount: 5 } } })).toMatchObject({ kind: 'subscription', isGift: true });
  });

  it("keeps a Super Chat's comment, to be scored with its amount", () => {
    const comment = { snippet: { type: 'superChatEvent', superChatDetails: { amountMicros: '10000000', currency: 'USD', userComment: 'best stream ever' } } };
    expect(mapLiveChatMessage(comment)).toMatchObject({ kind: 'superchat', amountMicros: 10_000_000, text: 'best stream ever' });
    const blank = { snippet: { type: 'superChatEvent', superChatDetails: { amountMicros: '10000000', currency: 'USD', userComment: '  ' } } };
    expect(mapLiveChatMessage(blank)).not.toHaveProperty('text');
  });

  it('ignores events without sentiment', () => {
    expect(mapLiveChatMessage({ snippet: { type: 'chatEndedEvent' } })).toBeNull();
    expect(mapLiveChatMessage({ snippet: { type: 'textMessageEvent' } })).toBeNull();
    expect(mapLiveChatMessage({})).toBeNull();
  });
});
