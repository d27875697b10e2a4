import { createHash, randomBytes } from 'node:crypto';

/**
 * A camera ingest key: 32 bytes from the CSPRNG, base64url (RTMP stream names allow [A-Za-z0-9_-]).
 * Shown once at creation; only its hash is stored.
 */
export function generateStreamKey(): string {
  return `sk_${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 is enough here: keys are 256-bit random, so there is nothing to brute-force. */
export function hashStreamKey(streamKey: string): string {
  return createHash('sha256').update(streamKey).digest('hex');
}

/** NMS and FFmpeg log stream paths (`/live/<key>`, `/program/<token>`); this masks the key segment. */
export function maskIngestPaths(text: string): string {
  return text.replace(/\/(live|program)\/[A-Za-z0-9_-]+/g, '/$1/****');
}
