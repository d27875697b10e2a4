import { AccessTokenRejectedError, PlatformUnavailableError } from './oauth.types';
import { formBody, platformFetch } from './platform-http';

export interface TwitchAppOptions {
  /** Helix base URL (`https://api.twitch.tv/helix`). */
  apiBaseUrl: string;
  /** OAuth base URL (`https://id.twitch.tv/oauth2`). */
  authBaseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
}

interface AppToken {
  value: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** Mint again this long before the token's `expires_in` runs out. */
const EXPIRY_MARGIN_MS = 60_000;

/**
 * Helix calls with an app access token (client credentials, twitch.md §1.5): minted on first use, one
 * mint at a time for concurrent callers, minted again before it expires and once more when Helix stops
 * accepting it (a 401). Answers are returned as they are; the caller reads status and body.
 * Throws PlatformUnavailableError when no token can be had (the status only: Twitch's message goes
 * through the caller's error reading), AccessTokenRejectedError when a fresh token is refused too.
 */
export class TwitchAppHelix {
  private current: AppToken | null = null;
  private minting: Promise<AppToken> | null = null;

  constructor(readonly options: TwitchAppOptions) {}

  async request(method: string, path: string, body?: object, retried = false): Promise<Response> {
    const token = await this.appToken();
    try {
      return await platformFetch(
        `${this.options.apiBaseUrl}${path}`,
        {
          method,
          headers: { Authorization: `Bearer ${token}`, 'Client-Id': this.options.clientId, ...(body ? { 'Content-Type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        },
        this.options.timeoutMs,
      );
    } catch (error) {
      if (!(error instanceof AccessTokenRejectedError) || retried) throw error;
      this.current = null;
      return this.request(method, path, body, true);
    }
  }

  private async appToken(): Promise<string> {
    if (this.current && this.current.expiresAt > Date.now() + EXPIRY_MARGIN_MS) return this.current.value;
    this.minting ??= this.mint().finally(() => (this.minting = null));
    this.current = await this.minting;
    return this.current.value;
  }

  private async mint(): Promise<AppToken> {
    const { body, headers } = formBody({ client_id: this.options.clientId, client_secret: this.options.clientSecret, grant_type: 'client_credentials' });
    const response = await platformFetch(`${this.options.authBaseUrl}/token`, { method: 'POST', body, headers }, this.options.timeoutMs);
    if (!response.ok) throw new TwitchAppTokenError(response);
    const token = (await response.json()) as { access_token: string; expires_in?: number };
    return { value: token.access_token, expiresAt: Date.now() + (token.expires_in ?? 3600) * 1000 };
  }
}

/** The client-credentials request failed; `response` (unread) lets the caller read Twitch's message. */
export class TwitchAppTokenError extends PlatformUnavailableError {
  constructor(readonly response: Response) {
    super(`Twitch app token request answered ${response.status}`);
  }
}
