import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { Role } from '@lib-stream/contracts';

import { AccountRequest } from '../auth/account-request.dto';
import type { Principal } from '../auth/principal';
import { CurrentPrincipal, Roles } from '../auth/roles.decorator';
import {
  AccountPlatformRequest,
  CleanupByAccountResponse,
  LinkPlatformRequest,
  LinkPlatformResponse,
  ListPlatformsResponse,
  PlatformCallbackRequest,
  PlatformLinkDetail,
  UnlinkPlatformResponse,
} from './dto/platform-link.dto';
import { type AccountCleanupEvent, LinkEvents } from './link-events';
import { PlatformLinksService } from './platform-links.service';

@ApiTags('platform')
@ApiBearerAuth()
@Controller('stream')
export class PlatformLinksController {
  constructor(
    private readonly links: PlatformLinksService,
    private readonly localEvents: EventEmitter2,
  ) {}

  @Post('platform/link')
  @HttpCode(200)
  @Roles(Role.User)
  @ApiOperation({ summary: 'Start linking Twitch/YouTube (returns the consent URL) or store a custom RTMP destination' })
  @ApiOkResponse({ type: LinkPlatformResponse })
  link(@CurrentPrincipal() principal: Principal, @Body() request: LinkPlatformRequest): Promise<LinkPlatformResponse> {
    return this.links.link(principal, request);
  }

  @Post('platform/callback')
  @HttpCode(200)
  @Roles(Role.User)
  @ApiOperation({ summary: 'Finish an OAuth link with the code and state the platform sent back' })
  @ApiOkResponse({ type: PlatformLinkDetail })
  callback(@CurrentPrincipal() principal: Principal, @Body() request: PlatformCallbackRequest): Promise<PlatformLinkDetail> {
    return this.links.callback(principal, request);
  }

  @Post('platform/unlink')
  @HttpCode(200)
  @Roles(Role.User)
  @ApiOperation({ summary: 'Revoke the grant at the platform and remove the link' })
  @ApiOkResponse({ type: UnlinkPlatformResponse })
  unlink(@CurrentPrincipal() principal: Principal, @Body() request: AccountPlatformRequest): Promise<UnlinkPlatformResponse> {
    return this.links.unlink(principal, request);
  }

  @Post('platform/list')
  @HttpCode(200)
  @Roles(Role.User)
  @ApiOperation({ summary: 'Linked platforms of the account (no tokens; RTMP URLs masked)' })
  @ApiOkResponse({ type: ListPlatformsResponse })
  async list(@CurrentPrincipal() principal: Principal, @Body() request: AccountRequest): Promise<ListPlatformsResponse> {
    return { platforms: await this.links.list(principal, request.accountId) };
  }

  @Post('cleanup-by-account')
  @HttpCode(200)
  @Roles(Role.Admin)
  @ApiOperation({ summary: 'Internal: remove everything lib-stream holds for a deleted account (links, sessions, the broadcasts it started). Idempotent.' })
  @ApiOkResponse({ type: CleanupByAccountResponse })
  async cleanupByAccount(@Body() request: AccountRequest): Promise<CleanupByAccountResponse> {
    const unlinked = await this.links.cleanupAccount(request.accountId);
    const event: AccountCleanupEvent = { accountId: request.accountId };
    const results = (await this.localEvents.emitAsync(LinkEvents.accountCleanup, event)) as Record<string, number>[];
    const removed: Record<string, number> = Object.assign({}, ...results);
    return { accountId: request.accountId, unlinked, broadcastsStopped: removed.broadcasts ?? 0 };
  }
}
