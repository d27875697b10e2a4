import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';

import { expectEventually } from './expect-eventually';
import { WORKSPACE_ROOT, freePort } from './processes';

/** What the fake platform saw, one record per event, `t` = Date.now() in the platform process. */
export interface PlatformEvent {
  e: 'ready' | 'publish' | 'refused' | 'unpublish' | 'keyframe' | 'gap';
  t: number;
  app?: string;
  key?: string;
  /** For `gap`: milliseconds without a video packet on a live publish. */
  ms?: number;
}

export interface RtmpPlatform {
  port: number;
  url(app: string, key: string): string;
  events: PlatformEvent[];
  /** Publish sessions that reached the platform for a key (a reconnect counts again). */
  publishes(key: string): PlatformEvent[];
  keyframes(key: string): PlatformEvent[];
  gaps(key: string): PlatformEvent[];
  /** The most publishers the platform had at once on a key (publish/unpublish in the order it logged them); a handover must keep it at 1. */
  mostPublishersAtOnce(key: string): number;
  stop(): Promise<void>;
}

// A node-media-server 4.4.3 in its own process (one NMS per process), instrumented like a platform
// ingest: it logs publishes, refusals, keyframes and video gaps of more than 100 ms as JSON lines.
const PLATFORM_SCRIPT = `
const NodeMediaServer = require('node-media-server');
const Context = require('node-media-server/src/core/context.js');
require('node-media-server/src/core/logger.js').level = 'error';
const refuse = new Set((process.env.PLATFORM_REFUSE || '').split(',').filter(Boolean));
const emit = (o) => process.stdout.write(JSON.stringify({ ...o, t: Date.now() }) + '\\n');
const nms = new NodeMediaServer({ bind: '127.0.0.1', rtmp: { port: Number(process.env.PLATFORM_PORT) }, http: {}, store: { path: process.env.PLATFORM_STORE } });
require('node-media-server/src/core/logger.js').level = 'error';
nms.on('prePublish', (s) => {
  if (refuse.has(s.streamName)) { emit({ e: 'refused', app: s.streamApp, key: s.streamName }); return s.socket.destroy(); }
  emit({ e: 'publish', app: s.streamApp, key: s.streamName });
  s.socket.once('close', () => emit({ e: 'unpublish', app: s.streamApp, key: s.streamName }));
  const b = Context.broadcasts.get(s.streamPath);
  if (!b || b.__tapped) return;
  b.__tapped = true;
  const original = b.broadcastMessage;
  let last = 0;
  b.broadcastMessage = (packet) => {
    if (packet.codec_type === 9 && (packet.flags === 3 || packet.flags === 4)) {
      const now = Date.now();
      if (last && now - last > 100) emit({ e: 'gap', key: s.streamName, ms: now - last });
      last = now;
      if (packet.flags === 3) emit({ e: 'keyframe', key: s.streamName });
    }
    return original(packet);
  };
  s.socket.once('close', () => { last = 0; });
});
nms.run();
setTimeout(() => emit({ e: 'ready' }), 100);
`;

/** A fake streaming platform (Twitch-like RTMP ingest) as a real node-media-server process. */
export async function startRtmpPlatform({ refuseKeys = [] as string[] } = {}): Promise<RtmpPlatform> {
  const port = await freePort();
  const store = `${tmpdir()}/lib-stream-platform-${port}`;
  const child = spawn(process.execPath, ['-e', PLATFORM_SCRIPT], {
    cwd: WORKSPACE_ROOT,
    env: { PATH: process.env.PATH ?? '', PLATFORM_PORT: String(port), PLATFORM_REFUSE: refuseKeys.join(','), PLATFORM_STORE: store },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const events: PlatformEvent[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      events.push(JSON.parse(line) as PlatformEvent);
    } catch {
      // NMS banner lines
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await expectEventually(
    () => {
      if (!events.some((e) => e.e === 'ready')) throw new Error('fake RTMP platform did not start');
    },
    { timeoutMs: 10_000 },
  );
  return {
    port,
    url: (app, key) => `rtmp://127.0.0.1:${port}/${app}/${key}`,
    events,
    publishes: (key) => events.filter((e) => e.e === 'publish' && e.key === key),
    keyframes: (key) => events.filter((e) => e.e === 'keyframe' && e.key === key),
    gaps: (key) => events.filter((e) => e.e === 'gap' && e.key === key),
    mostPublishersAtOnce: (key) => {
      let current = 0;
      let most = 0;
      for (const event of events) {
        if (event.key !== key) continue;
        if (event.e === 'publish') most = Math.max(most, ++current);
        if (event.e === 'unpublish') current--;
      }
      return most;
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      // node-media-server's store directory: nothing of a run is left in /tmp.
      rmSync(store, { recursive: true, force: true });
    },
  };
}
