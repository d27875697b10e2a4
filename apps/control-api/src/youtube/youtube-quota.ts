import { createHash } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { Gauge } from 'prom-client';

import { SessionKeys } from '@lib-stream/contracts';
import { MetricsService, REDIS, YouTubeSettings } from '@lib-stream/nest-kit';

/** Google's quota day ends at midnight Pacific time (youtube.md §4). */
const QUOTA_TIME_ZONE = 'America/Los_Angeles';
const RATE_BUCKET_MS = 10_000;
/** The "current rate" is what the project spent over this window. */
const RATE_WINDOW_MS = 120_000;
const DAY_KEY_TTL_SECONDS = 2 * 86_400;

const pacificParts = new Intl.DateTimeFormat('en-US', {
  timeZone: QUOTA_TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

function wallClock(epochMs: number): { y: number; m: number; d: number; h: number; min: number; s: number } {
  const parts = Object.fromEntries(pacificParts.formatToParts(new Date(epochMs)).map((p) => [p.type, Number(p.value)]));
  return { y: parts.year, m: parts.month, d: parts.day, h: parts.hour, min: parts.minute, s: parts.second };
}

/** The quota day (Pacific calendar date, `YYYY-MM-DD`) that `epochMs` falls in. */
export function pacificDay(epochMs: number): string {
  const { y, m, d } = wallClock(epochMs);
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Epoch ms of the next midnight in Pacific time after `epochMs` (when Google resets the quota), DST-aware. */
export function nextPacificMidnight(epochMs: number): number {
  const offsetAt = (t: number) => {
    const w = wallClock(t);
    return Date.UTC(w.y, w.m - 1, w.d, w.h, w.min, w.s) - Math.floor(t / 1000) * 1000;
  };
  const { y, m, d } = wallClock(epochMs);
  const midnightWall = Date.UTC(y, m - 1, d + 1);
  // Guess with today's offset, then correct with the offset in force at the guess (DST changes at 02:00).
  const guess = midnightWall - offsetAt(epochMs);
  return midnightWall - offsetAt(guess);
}

/**
 * How many times longer than `pollingIntervalMillis` pollers must wait so that polling at the
 * unstretched rate (`pollingDemandPerMs`, units/ms over every polling session of the project) fits in
 * what is left of the day's budget: 1 when it fits, Infinity when nothing is left.
 */
export function pollingStretch(input: { usedUnits: number; budgetUnits: number; pollingDemandPerMs: number; remainingMs: number }): number {
  const left = input.budgetUnits - input.usedUnits;
  const wanted = input.pollingDemandPerMs * input.remainingMs;
  if (wanted <= 0) return 1;
  if (left <= 0) return Number.POSITIVE_INFINITY;
  return Math.max(1, wanted / left);
}

/** Quota figures for session status and metrics (units are YouTube Data API quota units). */
export interface YouTubeQuotaSnapshot {
  /** Units spent since the last midnight Pacific. */
  unitsToday: number;
  /** `STREAM_YOUTUBE_QUOTA_DAILY_UNITS`. */
  dailyBudget: number;
  /** Units per hour spent over the last two minutes. */
  unitsPerHour: number;
  /** unitsToday plus the current rate kept up until the reset. */
  projectedUnitsToday: number;
  /** Factor polling intervals are stretched by to stay under the budget (1 = not stretched). */
  pollingStretch: number;
  /** ISO time of the next reset (midnight Pacific). */
  resetsAt: string;
}

/**
 * YouTube Data API quota of this deployment's Google project (identified by a hash of
 * STREAM_YOUTUBE_CLIENT_ID), counted in Redis across replicas per Pacific-time day, as Google counts
 * it (youtube.md §4). Chat transports spend through it (5 units per liveChatMessages.list call or
 * streamList connection) and pollers ask it how long to wait.
 */
@Injectable()
export class YouTubeQuota {
  private readonly project: string;
  private readonly unitsGauge: Gauge;
  private readonly projectedGauge: Gauge;
  private readonly stretchGauge: Gauge;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly youtube: YouTubeSettings,
    metrics: MetricsService,
  ) {
    this.project = createHash('sha256').update(youtube.clientId).digest('hex').slice(0, 12);
    const registers = [metrics.registry];
    this.unitsGauge = new Gauge({ name: 'lib_stream_youtube_quota_units_today', help: 'YouTube Data API units spent since midnight Pacific by this Google project', registers });
    this.projectedGauge = new Gauge({ name: 'lib_stream_youtube_quota_projected_units_today', help: 'Units spent today plus the last two minutes\' rate kept up until midnight Pacific', registers });
    this.stretchGauge = new Gauge({ name: 'lib_stream_youtube_quota_polling_stretch', help: 'Factor chat polling intervals are stretched by to stay within the daily budget (1 = none)', registers });
    new Gauge({ name: 'lib_stream_youtube_quota_daily_budget_units', help: 'STREAM_YOUTUBE_QUOTA_DAILY_UNITS', registers }).set(youtube.quotaDailyUnits);
  }

  /** Records `units` spent now; returns the day's total. */
  async spend(units: number, now = Date.now()): Promise<number> {
    const dayKey = SessionKeys.youtubeQuota(this.project, pacificDay(now));
    const rateKey = SessionKeys.youtubeQuotaRate(this.project, Math.floor(now / RATE_BUCKET_MS));
    const results = await this.redis
      .multi()
      .incrby(dayKey, units)
      .expire(dayKey, DAY_KEY_TTL_SECONDS)
      .incrby(rateKey, units)
      .expire(rateKey, Math.ceil((RATE_WINDOW_MS + RATE_BUCKET_MS) / 1000) + 60)
      .exec();
    const total = Number(results?.[0]?.[1] ?? 0);
    this.unitsGauge.set(total);
    return total;
  }

  async today(now = Date.now()): Promise<number> {
    return Number((await this.redis.get(SessionKeys.youtubeQuota(this.project, pacificDay(now)))) ?? 0);
  }

  async snapshot(now = Date.now()): Promise<YouTubeQuotaSnapshot> {
    const resetsAt = nextPacificMidnight(now);
    const [unitsToday, perMs, demand] = await Promise.all([this.today(now), this.ratePerMs(now), this.pollingDemandPerMs(now)]);
    const budget = this.youtube.quotaDailyUnits;
    const stretch = pollingStretch({ usedUnits: unitsToday, budgetUnits: budget, pollingDemandPerMs: demand, remainingMs: resetsAt - now });
    const projected = Math.round(unitsToday + perMs * (resetsAt - now));
    this.unitsGauge.set(unitsToday);
    this.projectedGauge.set(projected);
    this.stretchGauge.set(Number.isFinite(stretch) ? stretch : -1);
    return {
      unitsToday,
      dailyBudget: budget,
      unitsPerHour: Math.round(perMs * 3_600_000),
      projectedUnitsToday: projected,
      pollingStretch: Number.isFinite(stretch) ? Math.round(stretch * 100) / 100 : -1,
      resetsAt: new Date(resetsAt).toISOString(),
    };
  }

  /**
   * How long a poller should wait before its next `liveChatMessages.list` call (ms): Google's
   * `pollingIntervalMillis`, stretched when every poller of the project polling at its own interval
   * until midnight Pacific would spend more than the budget left; until the reset when none is left.
   * Registers this session's unstretched demand (`unitsPerCall` per interval) for the other pollers.
   */
  async pollingDelayMs(platformSessionId: string, pollingIntervalMillis: number, unitsPerCall: number, now = Date.now()): Promise<number> {
    const remainingMs = nextPacificMidnight(now) - now;
    const ownPerMs = unitsPerCall / Math.max(1, pollingIntervalMillis);
    const [usedUnits, others] = await Promise.all([this.today(now), this.pollingDemandPerMs(now, platformSessionId)]);
    const stretch = pollingStretch({ usedUnits, budgetUnits: this.youtube.quotaDailyUnits, pollingDemandPerMs: others + ownPerMs, remainingMs });
    this.stretchGauge.set(Number.isFinite(stretch) ? stretch : -1);
    const delay = Math.round(Math.min(remainingMs + 1000, pollingIntervalMillis * stretch));
    // The demand stays registered until a little after this poller wakes, so a long sleep still counts.
    const demandKey = SessionKeys.youtubeQuotaDemand(this.project);
    await this.redis
      .multi()
      .hset(demandKey, platformSessionId, JSON.stringify({ perMs: ownPerMs, until: now + delay + 60_000 }))
      .expire(demandKey, DAY_KEY_TTL_SECONDS)
      .exec();
    return delay;
  }

  /** The session stopped polling: its demand no longer counts. */
  async forget(platformSessionId: string): Promise<void> {
    await this.redis.hdel(SessionKeys.youtubeQuotaDemand(this.project), platformSessionId);
  }

  private async ratePerMs(now: number): Promise<number> {
    const last = Math.floor(now / RATE_BUCKET_MS);
    const keys = Array.from({ length: RATE_WINDOW_MS / RATE_BUCKET_MS }, (_, i) => SessionKeys.youtubeQuotaRate(this.project, last - i));
    const values = await this.redis.mget(...keys);
    return values.reduce((sum, v) => sum + Number(v ?? 0), 0) / RATE_WINDOW_MS;
  }

  private async pollingDemandPerMs(now: number, except?: string): Promise<number> {
    const key = SessionKeys.youtubeQuotaDemand(this.project);
    const entries = await this.redis.hgetall(key);
    let total = 0;
    const stale: string[] = [];
    for (const [sessionId, raw] of Object.entries(entries)) {
      const entry = JSON.parse(raw) as { perMs: number; until: number };
      if (entry.until < now) stale.push(sessionId);
      else if (sessionId !== except) total += entry.perMs;
    }
    if (stale.length > 0) await this.redis.hdel(key, ...stale);
    return total;
  }
}
