import type { ViewerSignals } from '../tracked-viewers';

interface Badge {
  set_id?: unknown;
}

/**
 * Roles from an EventSub chat `badges[]` (`{set_id, id, info}`, twitch.md §4): moderator (the broadcaster counts
 * as one), VIP, subscriber (founders too). Anything that is not an array of badges gives no roles.
 */
export function signalsFromBadges(badges: unknown): ViewerSignals {
  const sets = new Set(Array.isArray(badges) ? (badges as Badge[]).map((b) => b?.set_id) : []);
  return {
    isModerator: sets.has('moderator') || sets.has('broadcaster'),
    isVip: sets.has('vip'),
    isSubscriber: sets.has('subscriber') || sets.has('founder'),
  };
}
