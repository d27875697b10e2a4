import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';

import {
  type BroadcastHealth,
  type DestinationChangeReason,
  type DestinationRuntime,
  type DestinationState,
  type EventPayloads,
  EventTopic,
  type VideoSourceType,
  healthReason,
} from '@lib-stream/contracts';
import { EventBus, eventHeader } from '@lib-stream/nest-kit';

import { BroadcastCoordinator } from './broadcast-coordinator';
import type { BroadcastRunner } from './broadcast-runner';

/**
 * How often health is judged between destination changes: a stalled source is only seen by time
 * passing (no progress for 3 s), so a timer must look. Judging is a few comparisons per broadcast.
 */
export const HEALTH_CHECK_MS = 1000;

/** The broadcast events that go out after the status they change is written, in order per broadcast. */
type StatusTopic =
  | typeof EventTopic.BroadcastHealthChanged
  | typeof EventTopic.BroadcastDestinationChanged
  | typeof EventTopic.BroadcastSourceChanged
  | typeof EventTopic.BroadcastRecordingSegment
  | typeof EventTopic.BroadcastRecordingStopped;

/**
 * Publishes `stream.broadcast.destination-changed` when a destination of a broadcast on this worker
 * changes state, `stream.broadcast.health-changed` when a broadcast's health differs from the last
 * one published, and `stream.broadcast.source-changed` when its source cascade has moved to a source
 * of another type; and the coordinator's recording events (`stream.broadcast.recording.segment`,
 * `.recording.stopped`), whose totals and state the status shows. Dashboards (live status) see a
 * destination failing as it happens instead of polling the status. Only on a change, and only
 * whitelisted fields: ids, the masked URL as a label, state codes and reason codes — never a URL, a
 * key or an FFmpeg message.
 */
@Injectable()
export class BroadcastStatusEvents implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('BroadcastStatusEvents');
  /** Per broadcast: the health last published. */
  private readonly health = new Map<string, BroadcastHealth>();
  /** Per `broadcastId/destinationId`: the state last published (a pusher made anew after a fence starts from here). */
  private readonly destinations = new Map<string, DestinationState>();
  private timer: NodeJS.Timeout | null = null;
  /** Per broadcast: its last status event still being sent (the next one waits for it). */
  private readonly sending = new Map<string, Promise<void>>();

  constructor(
    private readonly coordinator: BroadcastCoordinator,
    private readonly events: EventBus,
  ) {
    coordinator.onDestinationChange((runner, destination, previous, reason) => this.destinationChanged(runner, destination, previous, reason));
    coordinator.onSourceChange((runner, previous, current) => this.sourceChanged(runner, previous, current));
    coordinator.onRecordingEvent((runner, recording) => this.publish(runner, recording.topic, recording.event));
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.checkAll(), HEALTH_CHECK_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Publishes each local broadcast's health if it changed, and forgets broadcasts no longer here. */
  checkAll(): void {
    const here = new Set<string>();
    for (const runner of this.coordinator.localRunners()) {
      here.add(runner.broadcastId);
      this.checkHealth(runner);
    }
    for (const id of this.health.keys()) if (!here.has(id)) this.health.delete(id);
    for (const key of this.destinations.keys()) if (!here.has(key.slice(0, key.indexOf('/')))) this.destinations.delete(key);
  }

  private destinationChanged(runner: BroadcastRunner, destination: DestinationRuntime, pusherPrevious: DestinationState | null, reason: DestinationChangeReason): void {
    const key = `${runner.broadcastId}/${destination.destinationId}`;
    const previous = this.destinations.get(key) ?? pusherPrevious;
    if (previous !== destination.state) {
      this.destinations.set(key, destination.state);
      const index = runner.currentSpec.destinations.findIndex((d) => d.destinationId === destination.destinationId);
      this.publish(runner, EventTopic.BroadcastDestinationChanged, {
        ...eventHeader(),
        broadcastId: runner.broadcastId,
        destinationId: destination.destinationId,
        index: index === -1 ? null : index,
        label: destination.rtmpOutputUrl,
        state: destination.state,
        previousState: previous,
        reason,
        retryCount: destination.retryCount,
      });
    }
    // A destination's change is usually a health change too: judged now, not at the next tick.
    this.checkHealth(runner);
  }

  private sourceChanged(runner: BroadcastRunner, previous: VideoSourceType, current: VideoSourceType): void {
    this.publish(runner, EventTopic.BroadcastSourceChanged, { ...eventHeader(), broadcastId: runner.broadcastId, previousSource: previous, currentSource: current });
  }

  private checkHealth(runner: BroadcastRunner): void {
    const health = runner.health();
    const previous = this.health.get(runner.broadcastId) ?? null;
    if (previous === health) return;
    this.health.set(runner.broadcastId, health);
    this.publish(runner, EventTopic.BroadcastHealthChanged, {
      ...eventHeader(),
      broadcastId: runner.broadcastId,
      health,
      previousHealth: previous,
      reason: healthReason(health, runner.destinations().map((d) => d.state)),
    });
  }

  /**
   * Fire and forget, in call order per broadcast: every status event of a broadcast (destination,
   * health, source, and the recording's segment and stopped events, whose totals and state the status
   * shows) goes through this one queue. An event sent on its own after its own status write
   * would overtake those queued before it whose writes are still to come, and a subscriber would hear
   * them in an order that never happened. EventBus holds events through an outage. The broadcast's
   * status is written first (coordinator.saveStatus): a dashboard that subscribed just after this
   * event was published reads a snapshot that already has the change. Written on the worker's next
   * tick instead, the snapshot could miss it while the event came too early for the subscription, and
   * the page showed the old state until its next snapshot, a minute later.
   */
  private publish<T extends StatusTopic>(runner: BroadcastRunner, topic: T, payload: EventPayloads[T]): void {
    const id = runner.broadcastId;
    // Only the status write is waited for, not the publish's acknowledgement: the events keep their
    // call order on the one connection, and a stop's last status events still go out before the
    // broadcast's stopped event, which the stop publishes after several Redis round trips.
    const sent = (this.sending.get(id) ?? Promise.resolve()).then(() => this.coordinator.saveStatus(runner)).then(() => {
      this.events.publish(topic, payload).catch((error: Error) => this.logger.warn({ msg: 'broadcast status event not published', topic, reason: error.message }));
    });
    this.sending.set(id, sent);
    void sent.then(() => this.sending.get(id) === sent && this.sending.delete(id));
  }
}
