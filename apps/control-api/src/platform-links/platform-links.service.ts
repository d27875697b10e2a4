import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';

import { ErrorCode, EventTopic, LockKeys, StreamPlatform } from '@lib-stream/contracts';
import { APP_CONFIG, type AppConfig, DomainError, EventBus, RedisLocks, eventHeader } from '@lib-stream/nest-kit';
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
import { LinkCipherProvider } from './link-cipher.provider';
import { LinkEvents } from './link-events';
import { OAuthClients } from './oauth/oauth-clients';
import { AuthorizationCodeRejectedError, type OAuthGrant, type OAuthPlatform, PlatformUnavailableError } from './oauth/oauth.types';
import { OAuthStateStore } from './oauth-state.store';
import { PlatformLinkEntity } from './platform-link.entity';
import { toPlatformLinkDetail } from './platform-link.mapper';
import { DuplicateLinkError, PlatformLinksRepository } from './platform-links.repository';

@Injectable()
export class PlatformLinksService {
  private readonly logger = new Logger(PlatformLinksService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly links: PlatformLinksRepository,
    private readonly cipher: LinkCipherProvider,
    private readonly oauth: OAuthClients,
    private readonly states: OAuthStateStore,
    private readonly locks: RedisLocks,
    private readonly events: EventBus,
    private readonly localEvents: EventEmitter2,
  ) {}

  async link(principal: Principal, request: LinkPlatformRequest): Promise<LinkPlatformResponse> {
    this.assertEnabled();
    assertOwnAccount(principal, request.accountId, 'account');
    const cipher = this.cipher.cipher();
    if (request.platform !== StreamPlatform.Custom && request.rtmpUrl !== undefined) {
      throw new DomainError(ErrorCode.ValidationFailed, 'rtmpUrl is only accepted for a custom link');
    }
    // The request itself is checked before the account's state: a bad URL is a 400 VALIDATION_FAILED
    // whether or not a link exists, so the caller learns what to fix first.
    const rtmpUrl = request.rtmpUrl ?? '';
    if (request.platform === StreamPlatform.Custom && !isRtmpUrl(rtmpUrl)) {
      throw new DomainError(ErrorCode.ValidationFailed, 'rtmpUrl must be an rtmp:// or rtmps:// URL');
    }
    await this.assertNotLinked(request.accountId, request.platform);

    if (request.platform === StreamPlatform.Custom) {
      const link = await this.withLinkLock(request.accountId, request.platform, async () => {
        await this.assertNotLinked(request.accountId, request.platform);
        const entity = this.newEntity(request.accountId, StreamPlatform.Custom, { rtmpUrlEnc: cipher.encrypt(rtmpUrl) });
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
    const cipher = this.cipher.cipher();
    if (request.platform === StreamPlatform.Custom) {
      throw new DomainError(ErrorCode.ValidationFailed, 'custom links need no callback: POST /stream/platform/link stores them directly');
    }
    const platform = request.platform as OAuthPlatform;
    this.oauth.configured(platform);
    const pending = await this.states.consume(request.state);
    if (!pending || pending.accountId !== request.accountId || pending.platform !== request.platform) {
      throw new DomainError(ErrorCode.NotFound, 'No pending link request for this state (unknown, expired or already used)');
    }
    if (request.error !== undefined) {
      throw new DomainError(ErrorCode.AuthorizationRejected, `The creator did not authorize the link on ${request.platform} (${request.error})`);
    }

    const link = await this.withLinkLock(request.accountId, platform, async () => {
      await this.assertNotLinked(request.accountId, platform);
      const grant = await this.exchange(platform, request.code ?? '');
      const platformUserHash = cipher.hashPlatformUser(platform, grant.identity.platformUserId);
      const owner = await this.links.findByPlatformUser(platform, platformUserHash);
      if (owner) {
        await this.revokeQuietly(platform, grant.tokens.accessToken, grant.tokens.refreshToken);
        throw new DomainError(ErrorCode.Conflict, `This ${platform} account is already linked to another account`);
      }
      const entity = this.newEntity(request.accountId, platform, {
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
    const cipher = this.cipher.cipher();
    return (await this.links.findByAccount(accountId)).map((link) => toPlatformLinkDetail(link, cipher));
  }

  async unlink(principal: Principal, request: AccountPlatformRequest): Promise<UnlinkPlatformResponse> {
    this.assertEnabled();
    assertOwnAccount(principal, request.accountId, 'account');
    const result = await this.unlinkPlatform(request.accountId, request.platform);
    if (!result) throw new DomainError(ErrorCode.NotFound, `No ${request.platform} link for this account`);
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
        throw new DomainError(ErrorCode.AuthorizationRejected, `The authorization code was not accepted by ${platform}: ${error.message}`);
      }
      if (error instanceof PlatformUnavailableError) {
        throw new DomainError(ErrorCode.PlatformUnavailable, `${platform} could not be reached to complete the link; try again`);
      }
      throw error;
    }
  }

  /** A revocation failure is logged and does not block the unlink: the grant dies with the link either way. */
  private async revokeStored(link: PlatformLinkEntity): Promise<boolean> {
    const cipher = this.cipher.cipher();
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
      throw new DomainError(ErrorCode.AlreadyLinked, `This account already has a ${platform} link; unlink it first`);
    }
  }

  private async insert(entity: PlatformLinkEntity): Promise<void> {
    try {
      await this.links.insert(entity);
    } catch (error) {
      if (error instanceof DuplicateLinkError && error.constraint === 'platform_user') {
        throw new DomainError(ErrorCode.Conflict, `This ${entity.platform} account is already linked to another account`);
      }
      if (error instanceof DuplicateLinkError) {
        throw new DomainError(ErrorCode.AlreadyLinked, `This account already has a ${entity.platform} link; unlink it first`);
      }
      throw error;
    }
  }

  private newEntity(accountId: string, platform: StreamPlatform, fields: Partial<PlatformLinkEntity>): PlatformLinkEntity {
    const now = new Date();
    return Object.assign(new PlatformLinkEntity(), {
      id: randomUUID(),
      accountId,
      platform,
      platformUserHash: null,
      platformUserIdEnc: null,
      displayNameEnc: null,
      accessTokenEnc: null,
      refreshTokenEnc: null,
      tokenExpiresAt: null,
      tokenValidatedAt: null,
      scopes: null,
      rtmpUrlEnc: null,
      needsRelink: false,
      linkedAt: now,
      updatedAt: now,
      ...fields,
    });
  }

  private withLinkLock<T>(accountId: string, platform: StreamPlatform, work: () => Promise<T>): Promise<T> {
    const ms = this.config.STREAM_DISTRIBUTED_LOCK_TIMEOUT_SECONDS * 1000;
    return this.locks.withLock(LockKeys.link(accountId, platform), { ttlMs: ms, waitMs: ms }, work).catch((error: unknown) => {
      if ((error as Error).name === 'LockNotAcquiredError') {
        throw new DomainError(ErrorCode.Conflict, `Another ${platform} link operation for this account is in progress; try again`);
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
    if (!this.config.STREAM_ENABLED) {
      throw new DomainError(ErrorCode.FeatureDisabled, 'lib-stream is disabled on this deployment (STREAM_ENABLED=false)');
    }
  }
}
