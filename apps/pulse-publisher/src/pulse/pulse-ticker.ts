import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';

import { EventTopic, LockKeys, type PlatformSessionModel, SessionKeys, encodeEventPacketJson, shardOf } from '@lib-stream/contracts';
import { PulseSettings, REDIS, luaScript, runScript } from '@lib-stream/nest-kit';

import { BufferDrain, type PartitionGroup } from './buffer-drain';
import { PartitionLeases, pulseLeaseMs } from './partitions/partition-leases';
import { PulseMetrics } from './pulse-metrics';
import { buildPulse } from './pulse.builder';

const CHUNK = 500;

// Claims partitions for an interval (KEYS: lease1, ticked1, lease2, ticked2, …; ARGV: token, interval, ttl ms):
// only those this token holds and whose marker is behind the interval, so a partition that changes hands in
// the middle of an interval is not ticked again in it. Returns the positions (0-based) claimed.
const CLAIM = luaScript(`
local out = {}
for i = 1, #KEYS, 2 do
  if redis.call('GET', KEYS[i]) == ARGV[1] and (tonumber(redis.call('GET', KEYS[i + 1])) or -1) < tonumber(ARGV[2]) then
    redis.call('SET', KEYS[i + 1], ARGV[2], 'PX', ARGV[3])
    out[#out + 1] = (i - 1) / 2
  end
end
return out`);

export interface TickOptions {
  /** Stop starting new chunks after this long (default: 80 % of the interval). */
  budgetMs?: number;
  /** The interval to claim (default: the one `now` falls in, epoch ms / interval length). */
  interval?: number;
  /** Partitions to tick (default: all this replica holds). */
  partitions?: number[];
}

export interface TickReport {
  /** Active sessions in the partitions claimed. */
  sessions: number;
  /** Partitions claimed for the interval (held and not yet ticked in it). */
  partitions: number;
  processed: number;
  pulses: number;
  entriesPublished: number;
  overflow: number;
  expired: number;
  /** Sessions skipped because their partition's lease was lost during the tick. */
  fenced: number;
  /** True when the time budget ran out; the next tick starts with the partitions this one did not reach. */
  cutShort: boolean;
  /** Per published chunk: when Redis acknowledged its PUBLISHes, in ms past the interval's start, and how many pulses. */
  lateness: { ms: number; pulses: number }[];
}

/**
 * One publishing tick over the partitions this replica holds: claims them for the interval, then drains
 * every active session's buffer in them and publishes a pulse for each that has at least the minimum
 * batch. Partitions are visited from a rotating start, so when a tick runs out of time the ones it did not
 * reach go first next time and none starves.
 */
@Injectable()
export class PulseTicker {
  private readonly logger = new Logger('PulseTicker');
  private cursor = 0;

  constructor(
    private readonly pulse: PulseSettings,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly drain: BufferDrain,
    private readonly leases: PartitionLeases,
    private readonly metrics: PulseMetrics,
  ) {}

  private get intervalMs(): number {
    return this.pulse.intervalMs;
  }

  async tick(now = new Date(), options: TickOptions = {}): Promise<TickReport> {
    const started = Date.now();
    const budgetMs = options.budgetMs ?? this.intervalMs * 0.8;
    const interval = options.interval ?? Math.floor(now.getTime() / this.intervalMs);
    const report: TickReport = { sessions: 0, partitions: 0, processed: 0, pulses: 0, entriesPublished: 0, overflow: 0, expired: 0, fenced: 0, cutShort: false, lateness: [] };
    const claimed = await this.claim(options.partitions ?? this.leases.held(), interval);
    report.partitions = claimed.length;
    if (claimed.length === 0) return report;
    const chunks = await this.plan(claimed, report);
    const intervalSeconds = this.pulse.intervalSeconds;
    const maxAgeMs = this.pulse.intervalMs * 2 + pulseLeaseMs(this.pulse); // two intervals, plus a lease during a failover
    const fence = { token: this.leases.token, interval };
    const lost = new Set<number>();
    const fetchChunk = (groups: PartitionGroup[]) => {
      // A partition this replica no longer holds (locally) is not even asked for.
      const live = groups.filter((g) => !lost.has(g.partition) && this.leases.isHeld(g.partition));
      for (const g of groups) if (!live.includes(g)) report.fenced += g.platformSessionIds.length;
      const ids = live.flatMap((g) => g.platformSessionIds);
      return Promise.all([
        Promise.resolve(live),
        this.drain.drain(live, fence, this.pulse.minBatchSize, maxAgeMs, now.getTime()),
        ids.length ? this.redis.mget(ids.map((id) => SessionKeys.session(id))) : Promise.resolve([] as (string | null)[]),
      ]);
    };
    // Redis drains the next chunk while this process builds and publishes the current one.
    let pending: ReturnType<typeof fetchChunk> | null = fetchChunk(chunks[0]);
    for (let c = 0; pending; c++) {
      const [groups, drained, records] = await pending;
      const more = c + 1 < chunks.length && Date.now() - started <= budgetMs;
      pending = more ? fetchChunk(chunks[c + 1]) : null;
      if (!more && c + 1 < chunks.length) {
        report.cutShort = true;
        this.cursor += chunks[c + 1][0].order; // the next tick starts where this one stopped
      }
      // One pipeline per chunk: each pulse is PUBLISHed as the packet EventBus.publish would send
      // (encodeEventPacketJson, the pulse serialised once) and kept as the latest.
      const out = this.redis.pipeline();
      let pulses = 0;
      let record = 0;
      drained.forEach((group, g) => {
        const count = groups[g].platformSessionIds.length;
        if (group.fenced) {
          // The lease moved on (or the interval was claimed by a newer holder): drained nothing, publish nothing.
          lost.add(group.partition);
          report.fenced += count;
          record += count;
          return;
        }
        for (const result of group.sessions) {
          const raw = records[record++];
          report.expired += result.expired;
          if (result.entries.length === 0) continue;
          const session = raw ? (JSON.parse(raw) as PlatformSessionModel) : null;
          const { pulse, overflow } = buildPulse({
            platformSessionId: result.platformSessionId,
            streamSessionId: session?.inGameSessionId ?? null,
            approximateViewerCount: session?.viewerCount ?? 0,
            intervalSeconds,
            entries: result.entries,
            maxBatchSize: this.pulse.maxBatchSize,
            now,
          });
          pulses += 1;
          report.entriesPublished += pulse.sentiments.length;
          report.overflow += overflow;
          const data = JSON.stringify(pulse);
          out.publish(EventTopic.AudiencePulse, encodeEventPacketJson(EventTopic.AudiencePulse, data));
          out.set(SessionKeys.latestPulse(result.platformSessionId), data, 'EX', Math.max(60, intervalSeconds * 4));
        }
        report.processed += count;
      });
      if (pulses > 0) {
        // Fire-and-forget by design (seed quirk 6): a pulse nobody hears is not retried.
        const results = (await out.exec()) ?? [];
        const failed = results.filter(([error]) => error).length;
        if (failed > 0) this.logger.warn({ msg: 'some pulse publishes failed', failed });
        report.pulses += pulses;
        report.lateness.push({ ms: Date.now() - interval * this.intervalMs, pulses });
      }
    }
    if (lost.size > 0) this.logger.warn({ msg: 'partitions lost during a tick; their sessions wait for the next interval', partitions: lost.size, sessions: report.fenced });
    this.metrics.pulses.inc(report.pulses);
    this.metrics.entriesPublished.inc(report.entriesPublished);
    this.metrics.entriesDropped.labels('overflow').inc(report.overflow);
    this.metrics.entriesDropped.labels('expired').inc(report.expired);
    this.metrics.tickDuration.observe((Date.now() - started) / 1000);
    return report;
  }

  /** Claims `partitions` for `interval`; returns those claimed. */
  private async claim(partitions: number[], interval: number): Promise<number[]> {
    if (partitions.length === 0) return [];
    const keys = partitions.flatMap((p) => [LockKeys.pulsePartition(p), SessionKeys.pulsePartitionTicked(p)]);
    const args = [this.leases.token, String(interval), String(this.intervalMs * 3)];
    const positions = (await runScript(this.redis, CLAIM, keys, args)) as number[];
    return positions.map((i) => partitions[i]);
  }

  /**
   * The claimed partitions' active sessions, in chunks of at most CHUNK sessions grouped by partition,
   * partitions from a rotating start.
   */
  private async plan(claimed: number[], report: TickReport): Promise<(PartitionGroup & { order: number })[][]> {
    const wanted = new Set(claimed);
    const byPartition = new Map<number, string[]>(claimed.map((p) => [p, []]));
    for (const id of await this.redis.smembers(SessionKeys.active())) {
      const p = shardOf(id, this.leases.partitionCount);
      if (wanted.has(p)) byPartition.get(p)?.push(id);
    }
    const start = this.cursor % claimed.length;
    const order = [...claimed.slice(start), ...claimed.slice(0, start)];
    const chunks: (PartitionGroup & { order: number })[][] = [[]];
    let size = 0;
    order.forEach((partition, index) => {
      const ids = (byPartition.get(partition) ?? []).sort();
      report.sessions += ids.length;
      for (let i = 0; i < ids.length; ) {
        if (size >= CHUNK) {
          chunks.push([]);
          size = 0;
        }
        const take = ids.slice(i, i + CHUNK - size);
        chunks[chunks.length - 1].push({ partition, platformSessionIds: take, order: index });
        size += take.length;
        i += take.length;
      }
    });
    return chunks;
  }
}
