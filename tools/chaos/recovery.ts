/**
 * "Recovered" = events flowing, webhooks 2xx and pulses published again, each observed after `from`:
 * - events: a probe account starts a session and the `stream.platform.session.started` event for it
 *   arrives on Redis pub/sub, then stops it and `…session.ended` arrives;
 * - webhooks: a signed delivery of the background load answered 202;
 * - pulses: a `stream.audience.pulse` with entries for the load's session.
 * The recovery time is when the last of the three was first seen.
 */
import { EventTopic } from '@lib-stream/contracts';

import type { Observer } from './observer';
import { sleep } from './util';
import type { Account, Workload } from './workload';

export interface Recovery {
  /** ms after `from` (null: not within the deadline). */
  events: number | null;
  webhooks: number | null;
  pulses: number | null;
  total: number | null;
}

async function eventRoundTrip(probe: Account, observer: Observer): Promise<boolean> {
  const t = Date.now();
  const started = await probe.startSession('probe');
  if (started.status !== 200) return false;
  const id = probe.sessionId;
  const arrived = async (channel: string, since: number) => {
    for (let i = 0; i < 30; i++) {
      if (observer.eventAfter(channel, since, (d) => d.platformSessionId === id)) return true;
      await sleep(100);
    }
    return false;
  };
  if (!(await arrived(EventTopic.PlatformSessionStarted, t))) return false;
  const stopAt = Date.now();
  const stopped = await probe.call('/stream/session/stop', { accountId: probe.accountId, platformSessionId: id }, 'probe');
  if (stopped.status !== 200) return false;
  return arrived(EventTopic.PlatformSessionEnded, stopAt);
}

export async function measureRecovery(from: number, deadlineMs: number, probe: Account, observer: Observer, load: Workload): Promise<Recovery> {
  const deadline = from + deadlineMs;
  let events: number | null = null;
  while (events === null && Date.now() < deadline) {
    if (await eventRoundTrip(probe, observer)) events = Date.now() - from;
    else await sleep(250);
  }
  const waitFor = async (seen: () => number | null): Promise<number | null> => {
    for (;;) {
      const at = seen();
      if (at !== null) return at - from;
      if (Date.now() >= deadline) return null;
      await sleep(100);
    }
  };
  const webhooks = await waitFor(() => load.firstOkAfter(from));
  const pulses = await waitFor(() => observer.firstPulseAfter(from));
  const total = events === null || webhooks === null || pulses === null ? null : Math.max(events, webhooks, pulses);
  return { events, webhooks, pulses, total };
}

export function describeRecovery(r: Recovery): string {
  if (r.total !== null) return `${(r.total / 1000).toFixed(1)} s`;
  const missing = [r.events === null ? 'events' : '', r.webhooks === null ? 'webhooks' : '', r.pulses === null ? 'pulses' : ''].filter(Boolean);
  return `never (${missing.join(', ')})`;
}
