import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const FORMAT = 'v1';

/** Parses STREAM_TOKEN_ENCRYPTION_KEY: 32 bytes as 64 hex characters or as base64. */
export function parseEncryptionKey(raw: string): Buffer | null {
  const value = raw.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
    const bytes = Buffer.from(value, 'base64');
    if (bytes.length === 32) return bytes;
  }
  return null;
}

/**
 * AES-256-GCM for everything stored that must stay secret (OAuth tokens, custom RTMP URLs, display
 * names), and a keyed hash for platform user ids so uniqueness can be checked without storing them.
 * Stored form: `v1:<iv>:<tag>:<ciphertext>` (base64url), a fresh random IV per value.
 */
export class TokenCipher {
  private readonly encryptionKey: Buffer;
  private readonly hashKey: Buffer;

  constructor(masterKey: Buffer) {
    // Separate subkeys, so the hash key is never the encryption key itself.
    this.encryptionKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'lib-stream:aes-256-gcm', 32));
    this.hashKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'lib-stream:hmac-sha256', 32));
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [FORMAT, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join(':');
  }

  /** Throws when the value was tampered with or encrypted under another key. */
  decrypt(stored: string): string {
    const [format, iv, tag, ciphertext] = stored.split(':');
    if (format !== FORMAT || !iv || !tag || ciphertext === undefined) throw new Error('Unrecognised encrypted value');
    const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** Deterministic, non-reversible id for a platform account (hex, 64 chars). */
  hashPlatformUser(platform: string, platformUserId: string): string {
    return createHmac('sha256', this.hashKey).update(`${platform}:${platformUserId}`).digest('hex');
  }
}
