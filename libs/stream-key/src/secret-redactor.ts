import { STREAM_KEY_MASK, maskStreamKeysInText } from './rtmp-url';

// Shorter values would mask ordinary words; secrets worth registering are longer than this.
const MIN_SECRET_LENGTH = 6;

/**
 * The single redaction point every log line passes through. Values registered here (config secrets,
 * tokens and stream keys the process handles) are replaced wherever they appear, including in their
 * JSON-escaped and URL-encoded forms, and RTMP URLs always have their stream key masked.
 */
export class SecretRedactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | null = null;

  register(value: string | null | undefined): void {
    if (!value || value.length < MIN_SECRET_LENGTH) return;
    const forms = [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)];
    let added = false;
    for (const form of forms) {
      if (!this.secrets.has(form)) {
        this.secrets.add(form);
        added = true;
      }
    }
    if (added) this.pattern = null;
  }

  forget(value: string): void {
    for (const form of [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]) {
      if (this.secrets.delete(form)) this.pattern = null;
    }
  }

  redact(text: string): string {
    return maskStreamKeysInText(this.redactRegistered(text));
  }

  private redactRegistered(text: string): string {
    if (this.secrets.size === 0) return text;
    if (!this.pattern) {
      // Longest first so a secret that contains another is replaced whole.
      const alternatives = [...this.secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
      this.pattern = new RegExp(alternatives.join('|'), 'g');
    }
    return text.replace(this.pattern, STREAM_KEY_MASK);
  }
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Process-wide redactor used by the logger; config loading registers every secret setting here. */
export const secretRedactor = new SecretRedactor();
