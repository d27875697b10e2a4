/**
 * One pulse-publisher replica for `bench:pulse` (a child process; the parent sets its environment): the
 * real app, scheduler and partition leases, with every tick reported to the parent over IPC: its interval,
 * sessions, pulses, duration, this process's CPU during it and, per published chunk, how late past the
 * interval's start Redis acknowledged the pulses.
 */
import type { INestApplication } from '@nestjs/common';

import { JsonLogger, createServiceApp, loadConfig, newServiceIdentity } from '@lib-stream/nest-kit';

import { AppModule } from '../../apps/pulse-publisher/src/app.module';
import { PulseTicker, type TickOptions } from '../../apps/pulse-publisher/src/pulse/pulse-ticker';

export interface ReplicaTick {
  interval: number;
  sessions: number;
  partitions: number;
  processed: number;
  pulses: number;
  /** Sessions skipped because the partition's lease was lost during the tick. */
  fenced: number;
  cutShort: boolean;
  tickMs: number;
  cpuMs: number;
  lateness: { ms: number; pulses: number }[];
}

async function main(): Promise<void> {
  const config = loadConfig({
    STREAM_REDIS_URL: process.env.STREAM_REDIS_URL,
    STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS: process.env.STREAM_SENTIMENT_PULSE_INTERVAL_SECONDS,
    STREAM_SENTIMENT_PULSE_PARTITIONS: process.env.STREAM_SENTIMENT_PULSE_PARTITIONS,
  });
  const identity = newServiceIdentity('pulse-publisher');
  const logger = new JsonLogger({ service: 'pulse-publisher', level: 'warn', sink: { write: (line: string) => process.stderr.write(line) } });
  const app: INestApplication = await createServiceApp({ rootModule: () => AppModule.forRoot(config, identity) }, config, identity, logger);
  // Measure the scheduler's own ticks by wrapping the ticker it calls (bench only).
  const ticker = app.get(PulseTicker);
  const tick = ticker.tick.bind(ticker);
  ticker.tick = async (now?: Date, options?: TickOptions) => {
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    const report = await tick(now, options);
    const tickMs = Number(process.hrtime.bigint() - started) / 1e6;
    const used = process.cpuUsage(cpu);
    if (report.partitions > 0) {
      const message: ReplicaTick = { interval: options?.interval ?? -1, sessions: report.sessions, partitions: report.partitions, processed: report.processed, pulses: report.pulses, fenced: report.fenced, cutShort: report.cutShort, tickMs, cpuMs: (used.user + used.system) / 1000, lateness: report.lateness };
      process.send?.({ type: 'tick', tick: message });
    }
    return report;
  };
  await app.init();
  process.send?.({ type: 'ready' });
  process.on('disconnect', () => void app.close().then(() => process.exit(0)));
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
