/**
 * The steady background load during every fault: signed custom-webhook deliveries (2 chat events
 * each, 10 a second) into a live session, and authenticated API calls (2 a second). Every answer is
 * tallied; entries the webhook accepted (202 `accepted`) are counted, and so are entries whose
 * delivery got no answer (timeout, reset) — those may or may not have been taken.
 */
import { randomUUID } from 'node:crypto';

import { bearerToken, customWebhookDelivery } from '@lib-stream/testing';

import { type AppHandle, WEBHOOK_SECRET } from './harness';
import type { Observer } from './observer';
import { type HttpTally, poll, sleep } from './util';

const LINES = ['PogChamp LETS GOOO', 'gg wp <3', 'what game is this?', 'that was terrible', 'hype hype hype', 'LUL he missed', 'WHAT?! no way', 'so good'];

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** One creator account with a custom link: the load streams into its session, the probe toggles its own. */
export class Account {
  readonly accountId = randomUUID();
  linkId = '';
  sessionId = '';

  constructor(
    private readonly api: () => AppHandle,
    private readonly tally: HttpTally,
  ) {}

  async call(path: string, body: object, source = 'api', timeoutMs = 10_000): Promise<ApiAnswer> {
    try {
      const response = await fetch(`${this.api().baseUrl}${path}`, {
        method: 'POST',
        headers: { Authorization: bearerToken(this.accountId, ['user']), 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      this.tally.record(source, response.status, `${path} ${text}`);
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        parsed = { message: text };
      }
      return { status: response.status, body: parsed };
    } catch (error) {
      this.tally.record(source, 0, `${path} ${(error as Error).message}`);
      return { status: 0, body: { message: (error as Error).message } };
    }
  }

  async link(): Promise<void> {
    const linked = await this.call('/stream/platform/link', { accountId: this.accountId, platform: 'custom', rtmpUrl: `rtmp://127.0.0.1:1/app/chaos_${randomUUID()}` });
    const link = linked.body.link as { linkId?: string } | null;
    if (linked.status !== 200 && linked.status !== 201) throw new Error(`custom link answered ${linked.status}: ${JSON.stringify(linked.body)}`);
    if (!link?.linkId) throw new Error(`custom link gave no linkId: ${JSON.stringify(linked.body)}`);
    this.linkId = link.linkId;
  }

  /** Stops whatever session is active, then starts one; returns the answer of the start. */
  async startSession(source = 'api'): Promise<ApiAnswer> {
    let started = await this.call('/stream/session/start', { accountId: this.accountId, platform: 'custom' }, source);
    if (started.status === 409) {
      await this.stopActive(source);
      started = await this.call('/stream/session/start', { accountId: this.accountId, platform: 'custom' }, source);
    }
    if (started.status === 200) this.sessionId = String(started.body.platformSessionId);
    return started;
  }

  async stopActive(source = 'api'): Promise<void> {
    const listed = await this.call('/stream/session/list', { accountId: this.accountId }, source);
    const sessions = (listed.body.sessions as { platformSessionId: string; state: string }[] | undefined) ?? [];
    for (const s of sessions.filter((x) => x.state === 'active')) await this.call('/stream/session/stop', { accountId: this.accountId, platformSessionId: s.platformSessionId }, source);
  }
}

export interface LoadCounts {
  deliveries: number;
  acceptedEntries: number;
  /** Entries in deliveries that got no answer: they may or may not have been buffered. */
  unknownEntries: number;
  conflicts: number;
}

export class Workload {
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  readonly counts: LoadCounts = { deliveries: 0, acceptedEntries: 0, unknownEntries: 0, conflicts: 0 };
  /** Times of 202 answers (for "webhooks 2xx again"). */
  private readonly okTimes: number[] = [];
  private seq = 0;

  constructor(
    private readonly account: Account,
    private readonly api: () => AppHandle,
    private readonly tally: HttpTally,
    private readonly observer: Observer,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = [this.every(100, () => this.deliver(2, 'webhook')), this.every(500, () => this.apiCall())];
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    await Promise.all([...this.inFlight]);
  }

  firstOkAfter(t: number): number | null {
    return this.okTimes.find((x) => x >= t) ?? null;
  }

  /** One signed delivery of `events` chat lines; updates the ledger. */
  async deliver(events: number, source: string, timeoutMs = 10_000): Promise<number> {
    const n = this.seq++;
    const payload = {
      linkId: this.account.linkId,
      events: Array.from({ length: events }, (_, i) => ({ type: 'chat', viewerId: `viewer-${(n * events + i) % 300}`, text: LINES[(n + i) % LINES.length] })),
    };
    const delivery = customWebhookDelivery(WEBHOOK_SECRET, payload);
    this.counts.deliveries++;
    try {
      const response = await fetch(`${this.api().baseUrl}/stream/webhook/custom`, { method: 'POST', headers: delivery.headers, body: delivery.body, signal: AbortSignal.timeout(timeoutMs) });
      const text = await response.text();
      this.tally.record(source, response.status, text);
      if (response.status === 202) {
        const accepted = Number((JSON.parse(text) as { accepted?: number }).accepted ?? 0);
        this.counts.acceptedEntries += accepted;
        this.okTimes.push(Date.now());
      } else if (response.status === 409) {
        this.counts.conflicts++;
      }
      return response.status;
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      this.tally.record(source, 0, `${(error as Error).message} ${code ?? ''}`);
      // Refused: the request never reached an app. Anything else (timeout, reset) may have been taken.
      if (code !== 'ECONNREFUSED') this.counts.unknownEntries += events;
      return 0;
    }
  }

  private async apiCall(): Promise<void> {
    const pick = this.seq % 2;
    if (pick === 0) await this.account.call('/stream/session/status', { accountId: this.account.accountId, platformSessionId: this.account.sessionId });
    else await this.account.call('/stream/platform/list', { accountId: this.account.accountId });
  }

  private async every(ms: number, work: () => Promise<unknown>): Promise<void> {
    while (this.running) {
      const started = Date.now();
      // Fire and keep the pace: a slow answer does not slow the load (at most 50 in flight).
      if (this.inFlight.size < 50) {
        const p: Promise<void> = work().then(
          () => undefined,
          () => undefined,
        );
        this.inFlight.add(p);
        void p.finally(() => this.inFlight.delete(p));
      }
      await sleep(Math.max(0, ms - (Date.now() - started)));
    }
  }

  /** After a fault: make sure the load's session is live again (a flushed Redis forgets it). Returns true when a new one had to be started. */
  async ensureSession(): Promise<boolean> {
    const probe = await this.deliver(1, 'webhook');
    if (probe === 202) return false;
    const started = await poll(async () => ((await this.account.startSession()).status === 200 ? true : null), 30_000, 500);
    if (!started) throw new Error('could not start a new session for the load');
    this.observer.countedSessions.add(this.account.sessionId);
    return true;
  }
}
