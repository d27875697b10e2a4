import { InternalOAuthError, Strategy as OAuth2Strategy, TokenError, type StrategyOptions } from 'passport-oauth2';

import {
  AuthorizationCodeRejectedError,
  type OAuthGrant,
  type OAuthPlatform,
  type PlatformIdentity,
  PlatformUnavailableError,
  RefreshTokenRejectedError,
  type TokenSet,
} from './oauth.types';
import { withTimeout } from './platform-http';

export interface OAuthClientSettings {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  authorizationUrl: string;
  tokenUrl: string;
  scopes: string[];
  timeoutMs: number;
  /** Extra query parameters on the consent URL (e.g. Google's access_type=offline). */
  authorizationParams?: Record<string, string>;
}

type StrategyOutcome = { kind: 'redirect'; url: string } | { kind: 'success'; user: OAuthGrant } | { kind: 'fail'; message: string };

/** passport-oauth2 strategy whose profile step asks the platform who the token belongs to. */
class PlatformStrategy extends OAuth2Strategy {
  constructor(
    options: StrategyOptions,
    private readonly extraAuthorizationParams: Record<string, string>,
    private readonly fetchIdentity: (accessToken: string) => Promise<PlatformIdentity>,
  ) {
    super(options, (accessToken: string, refreshToken: string, params: Record<string, unknown>, identity: PlatformIdentity, done: (err: unknown, user?: OAuthGrant) => void) =>
      done(null, { tokens: toTokenSet(accessToken, refreshToken, params), identity }),
    );
  }

  override userProfile(accessToken: string, done: (err?: unknown, profile?: unknown) => void): void {
    this.fetchIdentity(accessToken).then((identity) => done(null, identity), (error: unknown) => done(error));
  }

  override authorizationParams(): object {
    return this.extraAuthorizationParams;
  }

  /** The refresh grant through the strategy's own OAuth2 client (form-encoded, client credentials in the body). */
  refreshGrant(refreshToken: string): Promise<TokenSet> {
    return new Promise((resolve, reject) => {
      this._oauth2.getOAuthAccessToken(refreshToken, { grant_type: 'refresh_token' }, (error, accessToken, newRefreshToken, params) => {
        if (error) reject(new InternalOAuthError('refresh failed', error));
        else resolve(toTokenSet(accessToken ?? '', newRefreshToken, params as Record<string, unknown>));
      });
    });
  }
}

/**
 * The OAuth side of one platform, built on a passport-oauth2 strategy driven programmatically:
 * the consent URL comes from the strategy's redirect, the code exchange from its callback handling.
 */
export abstract class PassportOAuthClient {
  abstract readonly platform: OAuthPlatform;
  private instance: PlatformStrategy | null = null;

  protected constructor(protected readonly settings: OAuthClientSettings) {}

  /** Built on first use: passport-oauth2 refuses to construct without a client id. */
  private get strategy(): PlatformStrategy {
    if (!this.isConfigured()) throw new PlatformUnavailableError(`${this.platform} OAuth is not configured`);
    const settings = this.settings;
    this.instance ??= new PlatformStrategy(
      {
        authorizationURL: settings.authorizationUrl,
        tokenURL: settings.tokenUrl,
        clientID: settings.clientId,
        clientSecret: settings.clientSecret,
        callbackURL: settings.redirectUri,
        scope: settings.scopes,
        scopeSeparator: ' ',
      },
      settings.authorizationParams ?? {},
      (accessToken) => this.fetchIdentity(accessToken),
    );
    return this.instance;
  }

  isConfigured(): boolean {
    return Boolean(this.settings.clientId && this.settings.clientSecret && this.settings.redirectUri);
  }

  async authorizationUrl(state: string): Promise<string> {
    const outcome = await this.run({ query: {} }, { state });
    if (outcome.kind !== 'redirect') throw new Error('OAuth strategy did not produce an authorization URL');
    return outcome.url;
  }

  async exchangeCode(code: string): Promise<OAuthGrant> {
    const outcome = await withTimeout(this.run({ query: { code } }, {}).catch(classifyTokenError(AuthorizationCodeRejectedError)), this.settings.timeoutMs * 2, `${this.platform} code exchange`);
    if (outcome.kind !== 'success') throw new AuthorizationCodeRejectedError('the platform refused the authorization');
    return outcome.user;
  }

  async refresh(refreshToken: string): Promise<TokenSet> {
    return withTimeout(this.strategy.refreshGrant(refreshToken).catch(classifyTokenError(RefreshTokenRejectedError)), this.settings.timeoutMs, `${this.platform} token refresh`);
  }

  /** Revokes the grant at the platform. */
  abstract revoke(tokens: { accessToken: string | null; refreshToken: string | null }): Promise<void>;

  /** Whether the platform still accepts the access token (Twitch requires hourly checks). */
  abstract validate(accessToken: string): Promise<boolean>;

  protected abstract fetchIdentity(accessToken: string): Promise<PlatformIdentity>;

  private run(request: { query: Record<string, string> }, options: Record<string, unknown>): Promise<StrategyOutcome> {
    return new Promise((resolve, reject) => {
      // The same per-request object passport's middleware makes: a child of the strategy with its own outcome hooks.
      const attempt = Object.create(this.strategy) as PlatformStrategy & Record<string, unknown>;
      attempt.redirect = (url: string) => resolve({ kind: 'redirect', url });
      attempt.success = (user: OAuthGrant) => resolve({ kind: 'success', user });
      attempt.fail = (info: { message?: string } | undefined) => resolve({ kind: 'fail', message: info?.message ?? 'refused' });
      attempt.error = (error: unknown) => reject(error);
      attempt.pass = () => reject(new Error('OAuth strategy passed'));
      attempt.authenticate(request as never, options);
    });
  }
}

/** Twitch sends `scope` as an array, Google as a space-separated string; accept both. */
export function toTokenSet(accessToken: string, refreshToken: string | undefined, params: Record<string, unknown>): TokenSet {
  const scope = params.scope;
  const scopes = Array.isArray(scope) ? scope.map(String) : typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
  const expiresIn = Number(params.expires_in);
  return {
    accessToken,
    refreshToken: refreshToken || null,
    expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? new Date(Date.now() + expiresIn * 1000) : null,
    scopes,
  };
}

/** 4xx from the token endpoint = the platform refused (code or refresh token); anything else = unavailable. */
function classifyTokenError(Rejected: new (message: string) => Error) {
  return (error: unknown): never => {
    if (error instanceof PlatformUnavailableError || error instanceof Rejected) throw error;
    if (error instanceof TokenError) throw new Rejected(`the platform refused: ${error.code}`);
    const oauthError = error instanceof InternalOAuthError ? (error.oauthError as { statusCode?: number } | undefined) : undefined;
    const status = oauthError?.statusCode;
    if (status !== undefined && status >= 400 && status < 500) throw new Rejected(`the platform refused (${status})`);
    if (error instanceof Error && error.name !== 'InternalOAuthError' && error.name !== 'Error') throw error;
    throw new PlatformUnavailableError(status ? `token endpoint answered ${status}` : 'token endpoint unreachable');
  };
}
