import { TrackedViewerType, type TrackingId, newTrackingId } from '@lib-stream/privacy';

export interface ViewerSignals {
  isSubscriber?: boolean;
  isModerator?: boolean;
  isVip?: boolean;
  isRaidLeader?: boolean;
}

export interface TrackingRules {
  maxTracked: number;
  engagementThreshold: number;
  trackSubscribers: boolean;
  trackModerators: boolean;
  trackRaidLeaders: boolean;
  /**
   * Returner detection (absent = off): called once per viewer per session, off the caller's path; it
   * records the viewer and resolves true when they were seen in an earlier session (see ReturnerLedger).
   */
  seenBefore?: (platformUserId: string) => Promise<boolean>;
}

// Messages in a session after which a viewer counts as fully engaged (score 1.0).
const FULL_ENGAGEMENT_MESSAGES = 20;
// A stronger role replaces a weaker one when a viewer shows more than one.
const PRIORITY: TrackedViewerType[] = [
  TrackedViewerType.RaidLeader,
  TrackedViewerType.Moderator,
  TrackedViewerType.VIP,
  TrackedViewerType.Subscriber,
  TrackedViewerType.Returner,
  TrackedViewerType.HighEngager,
];

interface Viewer {
  messages: number;
  /** Set once the returner check answers yes; until then (and when it fails) the viewer is not a Returner. */
  returner: boolean;
  tracking: { trackingId: TrackingId; viewerType: TrackedViewerType } | null;
}

/**
 * The per-session `platformUserId → trackingId` map. It lives only in this object, in memory, and
 * is dropped with the session: tracking ids are fresh random UUIDs per session and cannot be turned
 * back into a platform user. `Returner` needs memory across sessions: that lives outside, in the
 * optional `seenBefore` check (a keyed hash in Redis), which is asked once per viewer per session without
 * waiting for it, so the viewer counts as a Returner from their first interaction after it answers.
 */
export class TrackedViewers {
  private readonly viewers = new Map<string, Viewer>();
  private trackedCount = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly rules: TrackingRules) {}

  /** Records one interaction and returns the viewer's tracking, or null for an anonymous entry. */
  observe(platformUserId: string | null, signals: ViewerSignals, countsAsMessage: boolean): { trackingId: TrackingId; viewerType: TrackedViewerType } | null {
    if (!platformUserId) return null;
    let viewer = this.viewers.get(platformUserId);
    if (!viewer) {
      viewer = { messages: 0, returner: false, tracking: null };
      this.viewers.set(platformUserId, viewer);
      this.checkReturner(platformUserId, viewer);
    }
    if (countsAsMessage) viewer.messages += 1;
    const type = this.typeFor(viewer, signals);
    if (!type) return viewer.tracking;
    if (viewer.tracking) {
      if (PRIORITY.indexOf(type) < PRIORITY.indexOf(viewer.tracking.viewerType)) viewer.tracking.viewerType = type;
      return viewer.tracking;
    }
    if (this.trackedCount >= this.rules.maxTracked) return null;
    this.trackedCount += 1;
    viewer.tracking = { trackingId: newTrackingId(), viewerType: type };
    return viewer.tracking;
  }

  /**
   * Takes back the message an observe() counted, for an interaction that turned out not to happen (a
   * webhook redelivery seen on another replica). A tracking id granted meanwhile stays.
   */
  retract(platformUserId: string | null, countsAsMessage: boolean): void {
    const viewer = platformUserId ? this.viewers.get(platformUserId) : undefined;
    if (viewer && countsAsMessage && viewer.messages > 0) viewer.messages -= 1;
  }

  get size(): number {
    return this.trackedCount;
  }

  /** Resolves once every returner check started so far has answered (for tests and orderly stops). */
  async checksSettled(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** Forgets everyone: called when the session stops. */
  clear(): void {
    this.viewers.clear();
    this.trackedCount = 0;
  }

  private typeFor(viewer: Viewer, signals: ViewerSignals): TrackedViewerType | null {
    if (signals.isRaidLeader && this.rules.trackRaidLeaders) return TrackedViewerType.RaidLeader;
    if (signals.isModerator && this.rules.trackModerators) return TrackedViewerType.Moderator;
    if (signals.isVip) return TrackedViewerType.VIP;
    if (signals.isSubscriber && this.rules.trackSubscribers) return TrackedViewerType.Subscriber;
    if (viewer.returner) return TrackedViewerType.Returner;
    if (Math.min(1, viewer.messages / FULL_ENGAGEMENT_MESSAGES) >= this.rules.engagementThreshold) return TrackedViewerType.HighEngager;
    return null;
  }

  private checkReturner(platformUserId: string, viewer: Viewer): void {
    if (!this.rules.seenBefore) return;
    // Best effort: an outage leaves the viewer un-tagged, it never fails or delays the interaction.
    const check = this.rules
      .seenBefore(platformUserId)
      .then((seen) => {
        viewer.returner = seen;
      })
      .catch(() => undefined)
      .finally(() => this.pending.delete(check));
    this.pending.add(check);
  }
}
