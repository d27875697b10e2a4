import { Injectable, Logger } from '@nestjs/common';

import { LockKeys, StreamPlatform } from '@lib-stream/contracts';
import { CipherProvider, PlatformApiSettings, RedisLocks, ServiceSettings } from '@lib-stream/nest-kit';

import { OAuthClients } from './oauth/oauth-clients';
import { AccessTokenRejectedError, type OAuthPlatform, RefreshTokenRejectedError } from './oauth/oauth.types';
import { PlatformLinksRepository } from './platform-links.repository';
import { LinkErrors } from './platform-link.errors';

export type RefreshOutcome = 'refreshed' | 'not-needed' | 'needs-relink' | 'gone';

/**
 * Keeps OAuth access tokens usable. Every refresh of a link runs under its own Redis lock and
 * re-reads the link inside it, so when several replicas (or a scheduled job and a 401) want the
 * same refresh at once, exactly one request reaches the platform and the others reuse its result.
 */
@Injectable()
export class TokenRefreshService {
  private readonly logger = new Logger(TokenRefreshService.name);

  constructor(
    private readonly api: PlatformApiSettings,
    private readonly service: ServiceSettings,
    private readonly links: PlatformLinksRepository,
    private readonly cipher: CipherProvider,
    private readonly oauth: OAuthClients,
    private readonly locks: RedisLocks,
  ) {}

  /**
   * Refreshes when the token is close to expiry, or — when `rejectedAccessTokenEnc` is given — when
   * the platform refused that token and nobody has replaced it yet.
   */
  async refresh(linkId: string, rejectedAccessTokenEnc?: string): Promise<RefreshOutcome> {
    const lockMs = this.service.lockTimeoutMs;
    return this.locks.withLock(LockKeys.tokenRefresh(linkId), { ttlMs: lockMs, waitMs: lockMs }, async () => {
      const link = await this.links.findById(linkId);
      if (!link || link.platform === StreamPlatform.Custom) return 'gone';
      if (link.needsRelink || !link.refreshTokenEnc) return 'needs-relink';
      const replaced = rejectedAccessTokenEnc !== undefined && link.accessTokenEnc !== rejectedAccessTokenEnc;
      const marginMs = this.api.tokenRefreshMarginMs;
      const fresh = link.tokenExpiresAt !== null && link.tokenExpiresAt.getTime() > Date.now() + marginMs;
      if (replaced || (rejectedAccessTokenEnc === undefined && fresh)) return 'not-needed';

      const cipher = this.cipher.require(LinkErrors.cipherUnavailable);
      try {
        const tokens = await this.oauth.for(link.platform as OAuthPlatform).refresh(cipher.decrypt(link.refreshTokenEnc));
        await this.links.update(link.id, {
          accessTokenEnc: cipher.encrypt(tokens.accessToken),
          // Twitch rotates refresh tokens; Google usually keeps the old one.
          refreshTokenEnc: tokens.refreshToken ? cipher.encrypt(tokens.refreshToken) : link.refreshTokenEnc,
          tokenExpiresAt: tokens.expiresAt,
          tokenValidatedAt: new Date(),
          scopes: tokens.scopes.length > 0 ? tokens.scopes.join(' ') : link.scopes,
        });
        this.logger.log({ msg: 'access token refreshed', linkId, platform: link.platform });
        return 'refreshed';
      } catch (error) {
        if (!(error instanceof RefreshTokenRejectedError)) throw error;
        // Retrying cannot help: the creator must link again. Marked, not looped on.
        await this.links.update(link.id, { needsRelink: true });
        this.logger.warn({ msg: 'refresh token rejected; link needs re-linking', linkId, platform: link.platform });
        return 'needs-relink';
      }
    });
  }

  /** Twitch's hourly validation: a token it no longer accepts is refreshed (or the link marked). */
  async validate(linkId: string): Promise<RefreshOutcome | 'valid'> {
    const link = await this.links.findById(linkId);
    if (!link || !link.accessTokenEnc || link.platform === StreamPlatform.Custom) return 'gone';
    if (link.needsRelink) return 'needs-relink';
    const valid = await this.oauth.for(link.platform as OAuthPlatform).validate(this.cipher.require(LinkErrors.cipherUnavailable).decrypt(link.accessTokenEnc));
    if (valid) {
      await this.links.update(link.id, { tokenValidatedAt: new Date() });
      return 'valid';
    }
    return this.refresh(link.id, link.accessTokenEnc);
  }

  /**
   * Runs a platform call with the link's access token; on a 401 the token is refreshed once and the
   * call retried (Twitch: tokens can die before `expires_in`).
   */
  async withAccessToken<T>(linkId: string, call: (accessToken: string) => Promise<T>): Promise<T> {
    const attempt = async () => {
      const link = await this.links.findById(linkId);
      if (!link?.accessTokenEnc) throw new AccessTokenRejectedError('link has no access token');
      return { link, token: this.cipher.require(LinkErrors.cipherUnavailable).decrypt(link.accessTokenEnc) };
    };
    const first = await attempt();
    try {
      return await call(first.token);
    } catch (error) {
      if (!(error instanceof AccessTokenRejectedError)) throw error;
      await this.refresh(linkId, first.link.accessTokenEnc ?? undefined);
      const second = await attempt();
      return call(second.token);
    }
  }
}
