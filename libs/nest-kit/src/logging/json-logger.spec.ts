import { SecretRedactor } from '@lib-stream/stream-key';

import { withCorrelationId } from '../correlation/correlation';
import { JsonLogger } from './json-logger';

function capture(level: 'debug' | 'info' = 'info') {
  const lines: string[] = [];
  const redactor = new SecretRedactor();
  const sut = new JsonLogger({ service: 'test-svc', level, redactor, sink: { write: (line) => lines.push(line) } });
  return { sut, redactor, lines, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe(JsonLogger.name, () => {
  it('writes one JSON object per line with level, service and context', () => {
    const { sut, entries, lines } = capture();
    sut.log('broadcast started', 'BroadcastService');
    expect(lines[0].endsWith('\n')).toBe(true);
    expect(entries()[0]).toMatchObject({ level: 'info', service: 'test-svc', context: 'BroadcastService', msg: 'broadcast started' });
  });

  it('masks the stream key of an RTMP URL, wherever it is logged', () => {
    const { sut, lines } = capture();
    sut.log({ msg: 'pushing', destination: 'rtmp://live.twitch.tv/app/live_1234_supersecret' });
    sut.warn('ffmpeg said: rtmp://127.0.0.1/live/live_1234_supersecret: Broken pipe');
    sut.error(new Error('connect failed rtmps://a.rtmp.youtube.com/live2/abcd-efgh-ijkl'));
    const all = lines.join('');
    expect(all).not.toMatch(/live_1234_supersecret|abcd-efgh-ijkl/);
    expect(all).toContain('rtmp://live.twitch.tv/app/****');
    expect(all).toContain('rtmps://a.rtmp.youtube.com/live2/****');
  });

  it('masks a registered secret even when code logs it by mistake', () => {
    const { sut, redactor, lines } = capture();
    redactor.register('ya29.oauth-access-token-value');
    sut.log({ msg: 'refreshed', tokenResponse: { access_token: 'ya29.oauth-access-token-value' } });
    sut.error('refresh failed', 'Error: bad token ya29.oauth-access-token-value\n at x', 'TokenRefresh');
    expect(lines.join('')).not.toContain('ya29.oauth-access-token-value');
    expect(lines.join('')).toContain('****');
  });

  it('drops lines below the configured level', () => {
    const { sut, lines } = capture('info');
    sut.debug('noisy');
    sut.log('kept');
    expect(lines).toHaveLength(1);
  });

  it('stamps the correlation id of the running request or job on every line, and none outside', async () => {
    const { sut, entries } = capture();
    sut.log('before');
    await withCorrelationId('req-7', async () => {
      sut.log({ msg: 'handling', broadcastId: 'b-1' }, 'Broadcasts');
      await new Promise((resolve) => setTimeout(resolve, 1));
      sut.error(new Error('failed'));
    });
    sut.log('after');
    expect(entries().map((entry) => entry.correlationId)).toEqual([undefined, 'req-7', 'req-7', undefined]);
    expect(entries()[1]).toMatchObject({ msg: 'handling', broadcastId: 'b-1', context: 'Broadcasts', correlationId: 'req-7' });
  });
});
