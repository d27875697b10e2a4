import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';

import { EventTopic, LockKeys, StreamPlatform } from '@lib-stream/contracts';
import { CipherProvider, EventBus, RedisLocks, ServiceSettings, eventHeader } from '@lib-stream/nest-kit';
import { isRtmpUrl } from '@lib-stream/stream-key';

import { type Principal, assertOwnAccount } from '../auth/principal';
import type {
  AccountPlatformRequest,
  LinkPlatformRequest,
  LinkPlatformResponse,
  PlatformCallbackRequest,
  PlatformLinkDetail,
  UnlinkPlatformResponse,
} from './dto/platform-link.dto';
import { LinkEvents } from './link-events';
import { OAuthClients } from './oauth/oauth-clients';
import { AuthorizationCodeRejectedError, type OAuthGrant, type OAuthPlatform, PlatformUnavailableError } from './oauth/oauth.types';
import { OAuthStateStore } from './oauth-state.store';
import { PlatformLinkEntity, newPlatformLink } from './platform-link.entity';
import { toPlatformLinkDetail } from './platform-link.mapper';
import { DuplicateLinkError, PlatformLinksRepository } from './platform-links.repository';
import { LinkErrors } from './platform-link.errors';
import { ServiceErrors } from '../common/service.errors';

@Injectable()
export class PlatformLinksService {
  private readonly logger = new Logger(PlatformLinksService.name);

  constructor(
    private readonly service: ServiceSettings,
    private readonly links: PlatformLinksRepository,
    private readonly cipher: CipherProvider,
    private readonly oauth: OAuthClients,
    private readonly states: OAuthStateStore,
    private readonly locks: RedisLocks,
    private readonly events: EventBus,
    private readonly localEvents: EventEmitter2,
  ) {}

  async link(principal: Principal, request: LinkPlatformRequest): Promise<LinkPlatformResponse> {
    this.assertEnabled();
    assertOwnAccount(principal, request.accountId, 'account');
    const cipher = this.cipher.require(LinkErrors.cipherUnavailable);
    if (request.platform !== StreamPlatform.Custom && request.rtmpUrl !== undefined) {
      throw LinkErrors.rtmpUrlOnlyForCustom();
    }
    // The request itself is checked before the account's state: a bad URL is a 400 VALIDATION_FAILED
    // whether or not a link exists, so the caller learns what to fix first.
    const rtmpUrl = request.rtmpUrl ?? '';
    if (request.platform === StreamPlatform.Custom && !isRtmpUrl(rtmpUrl)) {
      throw LinkErrors.rtmpUrlNotRtmp();
    }
    await this.assertNotLinked(request.accountId, request.platform);

    if (request.platform === StreamPlatform.Custom) {
      const link = await this.withLinkLock(request.accountId, request.platform, async () => {
        await this.assertNotLinked(request.accountId, request.platform);
        const entity = newPlatformLink(request.accountId, StreamPlatform.Custom, { rtmpUrlEnc: cipher.encrypt(rtmpUrl) });
        await this.insert(entity);
        return entity;
      });
      await this.announce(EventTopic.PlatformLinked, link);
      await this.localEvents.emitAsync(LinkEvents.created, link);
      return { platform: request.platform, authorizationUrl: null, state: null, expiresAt: null, link: toPlatformLinkDetail(link, cipher) };
    }

    const client = this.oauth.configured(request.platform);
    const { state, expiresAt } = await this.states.create({ accountId: request.accountId, platform: request.platform });
    return {
      platform: request.platform,
      authorizationUrl: await client.authorizationUrl(state),
      state,
      expiresAt: expiresAt.toISOString(),
      link: null,
    };
  }

  async callback(principal: Principal, request: PlatformCallbackRequest): Promise<PlatformLinkDetail> {
    this.assertEnabled();
    assertOwnAccount(principal, request.accountId, 'account');
    const cipher = this.cipher.require(LinkErrors.cipherUnavailable);
    if (request.platform === StreamPlatform.Custom) {
      throw LinkErrors.customNeedsNoCallback();
    }
    const platform = request.platform as OAuthPlatform;
    this.oauth.configured(platform);
    const pending = await this.states.consume(request.state);
    if (!pending || pending.accountId !== request.accountId || pending.platform !== request.platform) {
      throw LinkErrors.unknownState();
    }
    if (request.error !== undefined) {
      throw LinkErrors.notAuthorized(request.platform, request.error);
    }

    const link = await this.withLinkLock(request.accountId, platform, async () => {
      await this.assertNotLinked(request.accountId, platform);
      const grant = await this.exchange(platform, request.code ?? '');
      const platformUserHash = cipher.hashPlatformUser(platform, grant.identity.platformUserId);
      const owner = await this.links.findByPlatformUser(platform, platformUserHash);
      if (owner) {
        await this.revokeQuietly(platform, grant.tokens.accessToken, grant.tokens.refreshToken);
        throw LinkErrors.platformAccountTaken(platform);
      }
      const entity = newPlatformLink(request.accountId, platform, {
        platformUserHash,
        platformUserIdEnc: cipher.encrypt(grant.identity.platformUserId),
        displayNameEnc: cipher.encrypt(grant.identity.displayName),
        accessTokenEnc: cipher.encrypt(grant.tokens.accessToken),
        refreshTokenEnc: grant.tokens.refreshToken ? cipher.encrypt(grant.tokens.refreshToken) : null,
        tokenExpiresAt: grant.tokens.expiresAt,
        tokenValidatedAt: new Date(),
        scopes: grant.tokens.scopes.join(' ') || null,
      });
      await this.insert(entity);
      return entity;
    });
    await this.announce(EventTopic.PlatformLinked, link);
    this.logger.log({ msg: 'platform linked', linkId: link.id, platform });
    await this.localEvents.emitAsync(LinkEvents.created, link);
    return toPlatformLinkDetail(link, cipher);
  }

  async list(principal: Principal, accountId: string): Promise<PlatformLinkDetail[]> {
    this.assertEnabled();
    assertOwnAccount(principal, accountId, 'account');
    const cipher = this.cipher.require(LinkErrors.cipherUnavailable);
    return (await this.links.findByAccount(accountId)).map((link) => toPlatformLinkDetail(link, cipher));
  }

  async unlink(principal: Principal, request: AccountPlatformRequest): Promise<UnlinkPlatformResponse> {
    this.assertEnabled();
    assertOwnAccount(principal, request.accountId, 'account');
    const result = await this.unlinkPlatform(request.accountId, request.platform);
    if (!result) throw LinkErrors.notFound(request.platform);
    return result;
  }

  /** Unlinks every platform of an account; running it again finds nothing left and succeeds. */
  async cleanupAccount(accountId: string): Promise<StreamPlatform[]> {
    const unlinked: StreamPlatform[] = [];
    for (const link of await this.links.findByAccount(accountId)) {
      if (await this.unlinkPlatform(accountId, link.platform)) unlinked.push(link.platform);
    }
    return unlinked;
  }

  private async unlinkPlatform(accountId: string, platform: StreamPlatform): Promise<UnlinkPlatformResponse | null> {
    const outcome = await this.withLinkLock(accountId, platform, async () => {
      const link = await this.links.findByAccountAndPlatform(accountId, platform);
      if (!link) return null;
      const revoked = platform === StreamPlatform.Custom ? true : await this.revokeStored(link);
      await this.localEvents.emitAsync(LinkEvents.removing, link);
      await this.links.delete(link.id);
      return { link, revoked };
    });
    if (!outcome) return null;
    await this.announce(EventTopic.PlatformUnlinked, outcome.link);
    this.logger.log({ msg: 'platform unlinked', linkId: outcome.link.id, platform, revoked: outcome.revoked });
    return { linkId: outcome.link.id, platform, revoked: outcome.revoked };
  }

  private async exchange(platform: OAuthPlatform, code: string): Promise<OAuthGrant> {
    try {
      return await this.oauth.configured(platform).exchangeCode(code);
    } catch (error) {
      if (error instanceof AuthorizationCodeRejectedError) {
        throw LinkErrors.codeRejected(platform, error.message);
      }
      if (error instanceof PlatformUnavailableError) {
        throw LinkErrors.platformUnreachable(platform);
      }
      throw error;
    }
  }

  /** A revocation failure is logged and does not block the unlink: the grant dies with the link either way. */
  private async revokeStored(link: PlatformLinkEntity): Promise<boolean> {
    const cipher = this.cipher.require(LinkErrors.cipherUnavailable);
    const decrypt = (value: string | null) => (value ? cipher.decrypt(value) : null);
    return this.revokeQuietly(link.platform as OAuthPlatform, decrypt(link.accessTokenEnc), decrypt(link.refreshTokenEnc), link.id);
  }

  private async revokeQuietly(platform: OAuthPlatform, accessToken: string | null, refreshToken: string | null, linkId?: string): Promise<boolean> {
    try {
      await this.oauth.for(platform).revoke({ accessToken, refreshToken });
      return true;
    } catch (error) {
      this.logger.warn({ msg: 'token revocation failed', platform, linkId, reason: (error as Error).message });
      return false;
    }
  }

  private async assertNotLinked(accountId: string, platform: StreamPlatform): Promise<void> {
    if (await this.links.findByAccountAndPlatform(accountId, platform)) {
      throw LinkErrors.alreadyLinked(platform);
    }
  }

  private async insert(entity: PlatformLinkEntity): Promise<void> {
    try {
      await this.links.insert(entity);
    } catch (error) {
      if (error instanceof DuplicateLinkError && error.constraint === 'platform_user') {
        throw LinkErrors.platformAccountTaken(entity.platform);
      }
      if (error instanceof DuplicateLinkError) {
        throw LinkErrors.alreadyLinked(entity.platform);
      }
      throw error;
    }
  }

  private withLinkLock<T>(accountId: string, platform: StreamPlatform, work: () => Promise<T>): Promise<T> {
    const ms = this.service.lockTimeoutMs;
    return this.locks.withLock(LockKeys.link(accountId, platform), { ttlMs: ms, waitMs: ms }, work).catch((error: unknown) => {
      if ((error as Error).name === 'LockNotAcquiredError') {
        throw LinkErrors.busy(platform);
      }
      throw error;
    });
  }

  private async announce(topic: typeof EventTopic.PlatformLinked | typeof EventTopic.PlatformUnlinked, link: PlatformLinkEntity): Promise<void> {
    try {
      await this.events.publish(topic, { ...eventHeader(), accountId: link.accountId, linkId: link.id, platform: link.platform });
    } catch (error) {
      this.logger.error({ msg: 'could not publish link event', topic, linkId: link.id, reason: (error as Error).message });
    }
  }

  private assertEnabled(): void {
    if (!this.service.enabled) {
      throw ServiceErrors.disabled();
    }
  }
}
