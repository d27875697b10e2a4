import { type KeyObject, createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';

// The secrets as key objects, made once: a string key is converted again on every createHmac.
const keys = new Map<string, KeyObject>();
function keyFor(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    if (keys.size >= 8) keys.clear();
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keys.set(secret, key);
  }
  return key;
}

/** `sha256=<hex HMAC-SHA256>` of the concatenated parts, as Twitch and our custom webhook sign. */
export function signSha256(secret: string, ...parts: (string | Buffer)[]): string {
  const hmac = createHmac('sha256', keyFor(secret));
  for (const part of parts) hmac.update(part);
  return `sha256=${hmac.digest('hex')}`;
}

/** Constant-time comparison; unequal lengths are a mismatch, not an exception. */
export function signatureMatches(expected: string, received: string | undefined): boolean {
  if (!received) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(received);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** YouTube WebSub: `X-Hub-Signature: sha1=<hex HMAC-SHA1(hub.secret, body)>`, compared in constant time. */
export function websubSignatureMatches(secret: string, body: Buffer, header: string | undefined): boolean {
  return signatureMatches(`sha1=${createHmac('sha1', secret).update(body).digest('hex')}`, header);
}

/** Twitch EventSub: HMAC over message id + timestamp + raw body bytes. */
export function verifyTwitchSignature(secret: string, messageId: string, timestamp: string, rawBody: Buffer, signature: string | undefined): boolean {
  return signatureMatches(signSha256(secret, messageId, timestamp, rawBody), signature);
}
