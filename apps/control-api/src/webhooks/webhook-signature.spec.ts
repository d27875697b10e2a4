import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { signSha256, signatureMatches, verifyTwitchSignature, websubSignatureMatches } from './webhook-signature';

describe(verifyTwitchSignature.name, () => {
  // Twitch's documented vectors, recomputed independently (shared/reference/twitch-examples/hmac-test-vectors.json).
  const vectors = [
    {
      secret: 'secretabcd',
      id: 'ae2ff348-e102-16be-a3eb-6830c1bf38d2',
      timestamp: '2021-02-19T23:47:00.8091512Z',
      body: '{"subscription":{"id":"ae2ff348-e102-16be-a3eb-6830c1bf38d2","status":"enabled","type":"channel.follow","version":"1","condition":{"broadcaster_user_id":"44429626"},"transport":{"method":"webhook","callback":"null"},"created_at":"2021-02-19T23:47:00.7621315Z"},"event":{"user_id":"28408015","user_login":"testFromUser","user_name":"testFromUser","broadcaster_user_id":"44429626","broadcaster_user_login":"44429626","broadcaster_user_name":"testBroadcaster"}}',
      signature: 'sha256=d10f5bd9474b7ac7bd7105eb79c2d52768b4d0cd2a135982c3bf5a1d59a78823',
    },
  ];

  it.each(vectors)('accepts the documented signature', ({ secret, id, timestamp, body, signature }) => {
    expect(verifyTwitchSignature(secret, id, timestamp, Buffer.from(body), signature)).toBe(true);
  });

  it.each(vectors)('rejects a changed body, id, timestamp or secret', ({ secret, id, timestamp, body, signature }) => {
    expect(verifyTwitchSignature(secret, id, timestamp, Buffer.from(body.replace('44429626', '44429627')), signature)).toBe(false);
    expect(verifyTwitchSignature(secret, `${id}x`, timestamp, Buffer.from(body), signature)).toBe(false);
    expect(verifyTwitchSignature(secret, id, '2021-02-19T23:47:00.8091513Z', Buffer.from(body), signature)).toBe(false);
    expect(verifyTwitchSignature('secretabce', id, timestamp, Buffer.from(body), signature)).toBe(false);
    expect(verifyTwitchSignature(secret, id, timestamp, Buffer.from(body), undefined)).toBe(false);
    expect(verifyTwitchSignature(secret, id, timestamp, Buffer.from(body), 'sha256=short')).toBe(false);
  });

  it('matches the reference file when it is present', () => {
    const file = resolve(__dirname, '../../../../../shared/reference/twitch-examples/hmac-test-vectors.json');
    let parsed: { vectors: Record<string, string>[] };
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return; // the reference folder is not part of this repository
    }
    for (const v of parsed.vectors) {
      const ok = verifyTwitchSignature(v.secret, v['Twitch-Eventsub-Message-Id'], v['Twitch-Eventsub-Message-Timestamp'], Buffer.from(v.body), v['Twitch-Eventsub-Message-Signature']);
      expect(ok).toBe(true);
    }
  });
});

describe(signatureMatches.name, () => {
  it('compares whole signatures', () => {
    const signature = signSha256('k', 'a', 'b');
    expect(signatureMatches(signature, signature)).toBe(true);
    expect(signatureMatches(signature, signSha256('k', 'ab', ''))).toBe(true);
    expect(signatureMatches(signature, signSha256('k', 'a', 'c'))).toBe(false);
  });
});

describe(websubSignatureMatches.name, () => {
  const feed = '<feed><entry><yt:videoId>VIDEO_ID_11</yt:videoId><yt:channelId>UCxxxxxxxxxxxxxxxxxxxxxx</yt:channelId></entry></feed>';

  it('checks X-Hub-Signature (HMAC-SHA1 of the body)', () => {
    const body = Buffer.from(feed);
    const signature = `sha1=${createHmac('sha1', 'hub-secret').update(body).digest('hex')}`;
    expect(websubSignatureMatches('hub-secret', body, signature)).toBe(true);
    expect(websubSignatureMatches('other', body, signature)).toBe(false);
    expect(websubSignatureMatches('hub-secret', Buffer.from(feed.replace('VIDEO_ID_11', 'VIDEO_ID_12')), signature)).toBe(false);
  });
});
