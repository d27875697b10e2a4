/**
 * The media plane, seen from outside (part 2 of `npm run demo`): a camera → a broadcast → a local
 * RTMP "platform", with a fallback switch, printed as a timeline.
 *
 * Creates a camera, publishes a test pattern to it with ffmpeg (as OBS or a game capture would),
 * starts a node-media-server on a free port as the receiving platform, starts a broadcast of the
 * camera to it, kills the camera (the cascade switches to the default background on the same RTMP
 * connection), brings the camera back (the broadcast returns to it), stops the broadcast and deletes
 * the camera. Times are milliseconds since the demo's start; "at the platform" lines come from the
 * receiving server itself (its publishes, first keyframes and video gaps over 100 ms).
 * Needs a stack whose broadcasting is on and may use loopback hosts: npm start sets both unless
 * STREAM_BROADCAST_ENABLED / STREAM_MEDIA_ALLOW_PRIVATE_HOSTS say otherwise.
 */
import { randomUUID } from 'node:crypto';

import { type FfmpegPublisher, type PlatformEvent, type RtmpPlatform, startRtmpPlatform, startRtmpPublisher } from '@lib-stream/testing';

import { localSetting } from '../shared/local-settings';
import { type Api, type LocalStack, sleep } from './demo-kit';

const DESTINATION_KEY = 'demo-destination';

/** Timeline lines, printed as they happen: "  +1234 ms  what". */
class Timeline {
  private readonly started = Date.now();
  at(text: string, t = Date.now()): number {
    console.log(`  +${String(t - this.started).padStart(6)} ms  ${text}`);
    return t;
  }
}

/** Polls `read` every 100 ms until it returns a value other than undefined, or throws after `timeoutMs` naming `what`. */
async function waitFor<T>(what: string, read: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(100);
  }
}

const after = (events: PlatformEvent[], t: number) => events.find((e) => e.t >= t);

/** Runs the broadcast part; true when every step happened (a missing step throws, naming it). */
export async function runBroadcastDemo(stack: LocalStack): Promise<boolean> {
  if (localSetting('STREAM_BROADCAST_ENABLED', 'true') === 'false') {
    console.log('Broadcast part skipped: STREAM_BROADCAST_ENABLED=false in your settings (README "Trying a broadcast locally").');
    return true;
  }
  const api: Api = stack.api(`demo-ops-${randomUUID()}`);
  const timeline = new Timeline();
  let platform: RtmpPlatform | undefined;
  const cameras: FfmpegPublisher[] = [];
  let cameraId: string | undefined;
  let broadcastId: string | undefined;
  try {
    const created = await api('/stream/camera/create', { name: 'npm run demo camera' });
    cameraId = (created.camera as { cameraId: string }).cameraId;
    const ingest = `${String(created.ingestUrl)}/${String(created.streamKey)}`;
    timeline.at(`camera ${cameraId} created; its stream key is shown once, here only to the publisher`);

    const destination = await startRtmpPlatform();
    platform = destination;
    timeline.at(`receiving platform (node-media-server) listening on 127.0.0.1:${destination.port}`);

    const publish = () => {
      const camera = startRtmpPublisher(ingest, { size: '640x360', rate: 30 });
      cameras.push(camera);
      return camera;
    };
    const cameraLive = async () => ((await api('/stream/camera/status', { cameraId })).state === 'live' ? true : undefined);
    let camera = publish();
    timeline.at('camera publisher started: ffmpeg test pattern + tone, 640x360 at 30 fps');
    await waitFor('the camera to go live', cameraLive);
    timeline.at('camera live (camera/status: live)');

    const requested = timeline.at('broadcast/start: camera → the receiving platform, fallback: the default background');
    const started = await api('/stream/broadcast/start', { sourceType: 'Camera', sourceId: cameraId, rtmpOutputUrl: destination.url('live', DESTINATION_KEY) });
    broadcastId = String(started.broadcastId);
    timeline.at(`broadcast ${broadcastId} accepted; destination shown masked: ${String(started.rtmpOutputUrl)}`);
    const firstKeyframe = await waitFor('the first keyframe at the platform', () => after(destination.keyframes(DESTINATION_KEY), requested));
    timeline.at(`at the platform: first keyframe (${firstKeyframe.t - requested} ms after broadcast/start)`, firstKeyframe.t);
    const status = (expected: (s: Record<string, unknown>) => boolean) => async () => {
      const current = await api('/stream/broadcast/status', { broadcastId });
      return expected(current) ? current : undefined;
    };
    await waitFor('the broadcast to be healthy on the camera', status((s) => s.health === 'healthy' && s.videoSourceType === 'primary_stream'));
    timeline.at('broadcast/status: healthy, on primary_stream (the camera)');
    await sleep(3000);

    const killed = timeline.at('camera publisher killed (SIGKILL), as when OBS crashes');
    await camera.stop('SIGKILL');
    const freeze = await waitFor('frames after the switch at the platform', () => after(destination.gaps(DESTINATION_KEY), killed));
    timeline.at(`at the platform: video resumed after a ${freeze.ms} ms freeze, same RTMP connection`, freeze.t);
    const onFallback = await waitFor('the switch to a fallback', status((s) => s.videoSourceType !== 'primary_stream' && s.videoSourceType !== null));
    timeline.at(`broadcast/status: ${String(onFallback.health)}, on ${String(onFallback.videoSourceType)}`);
    await sleep(3000);

    const restarted = timeline.at('camera publisher started again');
    camera = publish();
    await waitFor('the camera to go live again', cameraLive);
    timeline.at('camera live again');
    await waitFor('the broadcast to return to the camera', status((s) => s.videoSourceType === 'primary_stream'), 40_000);
    const backAt = Date.now();
    const back = after(destination.gaps(DESTINATION_KEY), restarted);
    if (back && back.t < backAt) timeline.at(`at the platform: ${back.ms} ms freeze while switching back`, back.t);
    timeline.at('broadcast/status: back on primary_stream (the recovery check found the camera)', backAt);
    if (back && back.t >= backAt) timeline.at(`at the platform: ${back.ms} ms freeze while switching back`, back.t);
    await sleep(2000);

    const stopRequested = timeline.at('broadcast/stop requested');
    const stopped = await api('/stream/broadcast/stop', { broadcastId });
    const answered = Date.now();
    broadcastId = undefined;
    const unpublished = await waitFor('the platform to see the broadcast leave', () => destination.events.find((e) => e.e === 'unpublish' && e.key === DESTINATION_KEY && e.t >= stopRequested));
    const ends: [string, number][] = [[`broadcast/stop answered: ${String(stopped.health)}`, answered], ['at the platform: publisher gone', unpublished.t]];
    for (const [text, t] of ends.sort((a, b) => a[1] - b[1])) timeline.at(text, t);

    const publishes = destination.publishes(DESTINATION_KEY).length;
    const keyframes = destination.keyframes(DESTINATION_KEY).length;
    console.log(`
The platform saw ${publishes} publish session${publishes === 1 ? '' : 's'} and ${keyframes} keyframes: the camera's death and return were
source switches inside the broadcast, not reconnects. The stream key was masked in every answer.`);
    return publishes === 1;
  } finally {
    await Promise.all(cameras.map((c) => c.stop('SIGKILL')));
    if (broadcastId) await api('/stream/broadcast/stop', { broadcastId }).catch(() => undefined);
    if (cameraId) await api('/stream/camera/delete', { cameraId }).catch(() => undefined);
    await platform?.stop();
  }
}
