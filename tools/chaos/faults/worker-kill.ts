import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';

import { type FfmpegPublisher, type RtmpPlatform, bearerToken, startRtmpPlatform, startRtmpPublisher } from '@lib-stream/testing';

import { type Fault } from '../row';
import { measureRecovery } from '../recovery';
import { metricSum, poll, progress } from '../util';

const ADOPT_LIMIT_MS = 15_000;

/**
 * Two media workers; a camera (ffmpeg test pattern) publishes to a fake platform's ingest and a
 * broadcast relays it to a destination on that platform. The worker that owns the broadcast is
 * SIGKILLed: the other must adopt it and put it back on air (a keyframe at the destination).
 */
export const workerKill: Fault = {
  name: 'SIGKILL media worker (live broadcast)',
  async run(ctx) {
    let platform: RtmpPlatform | null = null;
    let camera: FfmpegPublisher | null = null;
    let broadcastId = '';
    const admin = async (path: string, body: object) => {
      const response = await fetch(`${ctx.stack.api.baseUrl}${path}`, {
        method: 'POST',
        headers: { Authorization: bearerToken('chaos-ops', ['admin']), 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      ctx.tally.record('api', response.status, `${path} ${text}`);
      return { status: response.status, body: JSON.parse(text) as Record<string, unknown> };
    };
    try {
      platform = await startRtmpPlatform();
      const cameraKey = `cam${randomBytes(5).toString('hex')}`;
      const destinationKey = `live_${randomBytes(6).toString('hex')}`;
      const rtmp = platform;
      camera = startRtmpPublisher(rtmp.url('cam', cameraKey), { size: '640x360', rate: 30 });
      if (!(await poll(() => rtmp.keyframes(cameraKey).length > 0, 20_000, 100))) throw new Error(`the camera never reached the platform: ${camera.stderr().slice(-300)}`);
      const started = await admin('/stream/broadcast/start', { sourceType: 'Camera', sourceId: rtmp.url('cam', cameraKey), rtmpOutputUrl: rtmp.url('app', destinationKey) });
      if (started.status !== 200) throw new Error(`broadcast start answered ${started.status}: ${JSON.stringify(started.body)}`);
      broadcastId = String(started.body.broadcastId);
      if (!(await poll(() => rtmp.keyframes(destinationKey).length > 0, 20_000, 100))) throw new Error('the broadcast never reached its destination');
      const owner = await poll(async () => (await admin('/stream/broadcast/status', { broadcastId })).body.workerId as string | null, 10_000, 200);
      const workers = ctx.stack.byRole('media-worker');
      let ownerName = '';
      for (const w of workers) {
        const text = await (await fetch(`${w.baseUrl}/metrics`)).text();
        if (owner && metricSum(text, 'lib_stream_info', { instance: owner }) > 0) ownerName = w.name;
      }
      if (!ownerName) throw new Error(`no running worker has instance id ${owner}`);
      const t0 = Date.now();
      await ctx.stack.kill(ownerName, 'SIGKILL');
      progress(`   ${ownerName} (owner of the broadcast) SIGKILLed`);
      const adopted = await poll(async () => {
        const status = await admin('/stream/broadcast/status', { broadcastId });
        const onAir = rtmp.keyframes(destinationKey).find((k) => k.t > t0 + 500);
        return status.body.workerId && status.body.workerId !== owner && onAir ? onAir.t : null;
      }, 30_000, 200);
      const adoptMs = adopted === null ? null : adopted - t0;
      progress(`   broadcast ${adoptMs === null ? 'not adopted in 30 s' : `back on air from the other worker after ${(adoptMs / 1000).toFixed(1)} s`}`);
      const recovery = await measureRecovery(t0, 30_000, ctx.probe, ctx.observer, ctx.load);
      progress(`   restarting ${ownerName}`);
      await ctx.stack.startApp(ownerName, 'media-worker');
      return {
        readiness: 'n/a',
        recovery,
        recoveredText: adoptMs === null ? 'never adopted' : `on air ${(adoptMs / 1000).toFixed(1)} s`,
        checks: [
          { ok: adoptMs !== null && adoptMs <= ADOPT_LIMIT_MS, what: `broadcast not back on air from the other worker within ${ADOPT_LIMIT_MS / 1000} s` },
          { ok: recovery.total !== null, what: 'events/webhooks/pulses not all flowing within 30 s' },
        ],
        notes: [`destination publishes: ${rtmp.publishes(destinationKey).length} (2 = one reconnect by the adopter)`],
      };
    } finally {
      if (broadcastId) await admin('/stream/broadcast/stop', { broadcastId }).catch(() => undefined);
      await camera?.stop('SIGKILL');
      await platform?.stop();
      // The fake platform's node-media-server store dir (libs/testing leaves it behind).
      if (platform) rmSync(`/tmp/lib-stream-platform-${platform.port}`, { recursive: true, force: true });
    }
  },
};
