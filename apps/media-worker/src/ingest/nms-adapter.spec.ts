import { mkdtempSync, rmSync } from 'node:fs';
import { Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { CameraIngestSettings, ServiceSettings } from '@lib-stream/nest-kit';
import { freePort } from '@lib-stream/testing';

import { NmsAdapter, maskNmsLine } from './nms-adapter';

const KEY = 'sk_0123456789abcdefghijABCDEFGHIJ_-klmnopqrs';

describe('maskNmsLine', () => {
  it.each([
    [`RTMP session x1 127.0.0.1:5000 start push /live/${KEY}`, 'RTMP session x1 127.0.0.1:5000 start push /live/****'],
    [`RTMP session x1 127.0.0.1:5000 invalid stream path characters: app=live/${KEY}, name=extra`, 'RTMP session x1 127.0.0.1:5000 invalid stream path characters: app=****, name=****'],
    [`RTMP session x1 127.0.0.1:5000 invalid stream path characters: app=${KEY}, name=`, 'RTMP session x1 127.0.0.1:5000 invalid stream path characters: app=****, name=****'],
    [`RTMP session x1 127.0.0.1:5000 play /program/${'a'.repeat(32)} error, x`, 'RTMP session x1 127.0.0.1:5000 play /program/**** error, x'],
    [`parserData error, bad name ${KEY}`, 'parserData error, bad name ****'],
  ])('masks %s', (line, masked) => {
    expect(maskNmsLine(line)).toBe(masked);
  });

  it('leaves lines without client paths readable', () => {
    expect(maskNmsLine('RTMP session mx298epoxn1dfx0b close')).toBe('RTMP session mx298epoxn1dfx0b close');
  });
});

describe('NmsAdapter', () => {
  it('disables Nagle on every RTMP connection (its replies are small separate writes, each held ~40 ms for a delayed ACK)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lib-stream-nms-'));
    const rtmpPort = await freePort();
    const adapter = new NmsAdapter({ rtmpPort } as CameraIngestSettings, { dataDir } as ServiceSettings);
    const noDelay = jest.spyOn(Socket.prototype, 'setNoDelay');
    adapter.start({ prePublish: () => undefined, prePlay: () => undefined });
    const client = connect(rtmpPort, '127.0.0.1');
    try {
      await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject));
      await expectServerSocket(noDelay, client);
    } finally {
      client.destroy();
      adapter.stop();
      noDelay.mockRestore();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/** setNoDelay(true) was called on the server's end of `client`'s connection (the server may see it a moment after connect). */
async function expectServerSocket(noDelay: jest.SpyInstance, client: Socket): Promise<void> {
  const serverEnd = () => noDelay.mock.contexts.some((socket, i) => (socket as Socket).remotePort === client.localPort && noDelay.mock.calls[i][0] !== false);
  for (let i = 0; i < 100 && !serverEnd(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(serverEnd()).toBe(true);
}
