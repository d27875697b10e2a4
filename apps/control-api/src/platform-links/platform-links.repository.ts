import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, LessThan, Not, Or, type Repository } from 'typeorm';

import { StreamPlatform } from '@lib-stream/contracts';

import { PlatformLinkEntity } from './platform-link.entity';

export class DuplicateLinkError extends Error {
  override readonly name = 'DuplicateLinkError';

  constructor(readonly constraint: 'account_platform' | 'platform_user') {
    super(`duplicate platform link (${constraint})`);
  }
}

@Injectable()
export class PlatformLinksRepository {
  private readonly links: Repository<PlatformLinkEntity>;

  constructor(dataSource: DataSource) {
    this.links = dataSource.getRepository(PlatformLinkEntity);
  }

  findById(id: string): Promise<PlatformLinkEntity | null> {
    return this.links.findOneBy({ id });
  }

  findByAccount(accountId: string): Promise<PlatformLinkEntity[]> {
    return this.links.find({ where: { accountId }, order: { linkedAt: 'ASC' } });
  }

  findByAccountAndPlatform(accountId: string, platform: StreamPlatform): Promise<PlatformLinkEntity | null> {
    return this.links.findOneBy({ accountId, platform });
  }

  findByPlatformUser(platform: StreamPlatform, platformUserHash: string): Promise<PlatformLinkEntity | null> {
    return this.links.findOneBy({ platform, platformUserHash });
  }

  /** OAuth links whose access token expires before `before` and that can still be refreshed. */
  findExpiring(before: Date): Promise<PlatformLinkEntity[]> {
    return this.links.find({
      where: { platform: Not(StreamPlatform.Custom), needsRelink: false, tokenExpiresAt: LessThan(before) },
    });
  }

  /** Links of a platform whose grant still works (the accounts push subscriptions are kept for). */
  findUsableLinks(platform: StreamPlatform): Promise<PlatformLinkEntity[]> {
    return this.links.find({ where: { platform, needsRelink: false } });
  }

  /** Twitch links not validated since `before` (Twitch requires an hourly validation). */
  findTwitchToValidate(before: Date): Promise<PlatformLinkEntity[]> {
    return this.links.find({
      where: { platform: StreamPlatform.Twitch, needsRelink: false, tokenValidatedAt: Or(IsNull(), LessThan(before)) },
    });
  }

  /** Inserts a new link; the unique indexes decide races between concurrent callbacks. */
  async insert(link: PlatformLinkEntity): Promise<void> {
    try {
      await this.links.insert(link);
    } catch (error) {
      const text = String((error as { message?: string }).message ?? '') + String((error as { driverError?: { message?: string } }).driverError?.message ?? '');
      if (/uq_platform_links_platform_user|platform_user_hash/.test(text)) throw new DuplicateLinkError('platform_user');
      if (/uq_platform_links_account_platform|account_id/.test(text) || /UNIQUE|Duplicate entry/i.test(text)) throw new DuplicateLinkError('account_platform');
      throw error;
    }
  }

  async update(id: string, changes: Partial<PlatformLinkEntity>): Promise<void> {
    await this.links.update({ id }, { ...changes, updatedAt: new Date() });
  }

  async delete(id: string): Promise<void> {
    await this.links.delete({ id });
  }
}
