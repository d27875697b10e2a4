import type { AudienceEvent } from '../audience-event';

export interface LiveChatMessage {
  snippet?: {
    type?: string;
    displayMessage?: string;
    textMessageDetails?: { messageText?: string };
    superChatDetails?: { amountMicros?: string | number; currency?: string; userComment?: string };
    superStickerDetails?: { amountMicros?: string | number; currency?: string };
    memberMilestoneChatDetails?: { memberMonth?: number };
    membershipGiftingDetails?: { giftMembershipsCount?: number };
  };
  authorDetails?: { channelId?: string; isChatModerator?: boolean; isChatSponsor?: boolean; isChatOwner?: boolean };
}

/** Maps a `liveChatMessage` resource to an audience event; null for events that carry no sentiment. */
export function mapLiveChatMessage(message: LiveChatMessage): AudienceEvent | null {
  const snippet = message.snippet ?? {};
  const author = message.authorDetails ?? {};
  const viewerId = author.channelId ?? null;
  switch (snippet.type) {
    case 'textMessageEvent': {
      const text = snippet.textMessageDetails?.messageText ?? snippet.displayMessage;
      if (!text) return null;
      return {
        kind: 'chat',
        viewerId,
        text,
        signals: { isModerator: author.isChatModerator === true || author.isChatOwner === true, isSubscriber: author.isChatSponsor === true },
      };
    }
    case 'superChatEvent': {
      const details = snippet.superChatDetails;
      const text = details?.userComment?.trim() ? details.userComment : undefined;
      return { kind: 'superchat', viewerId, amountMicros: Number(details?.amountMicros ?? 0), currency: details?.currency ?? 'USD', ...(text ? { text } : {}) };
    }
    case 'superStickerEvent':
      return { kind: 'superchat', viewerId, amountMicros: Number(snippet.superStickerDetails?.amountMicros ?? 0), currency: snippet.superStickerDetails?.currency ?? 'USD' };
    case 'newSponsorEvent':
      return { kind: 'membership', viewerId };
    case 'memberMilestoneChatEvent':
      return { kind: 'membership', viewerId, months: snippet.memberMilestoneChatDetails?.memberMonth };
    case 'membershipGiftingEvent':
      return { kind: 'subscription', viewerId, tier: '1000', isGift: true, cumulativeMonths: snippet.membershipGiftingDetails?.giftMembershipsCount };
    default:
      return null;
  }
}
