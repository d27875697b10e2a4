import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { Role } from '@lib-stream/contracts';

import type { Principal } from '../auth/principal';
import { CurrentPrincipal, Roles } from '../auth/roles.decorator';
import { AssociateSessionRequest, ListSessionsRequest, ListSessionsResponse, PlatformSessionStatus, SessionRequest, StartSessionRequest } from './dto/session.dto';
import { SessionsService } from './sessions.service';

@ApiTags('session')
@ApiBearerAuth()
@Roles(Role.User)
@Controller('stream/session')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post('start')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start listening to the live audience (the platform must say the account is live)' })
  @ApiOkResponse({ type: PlatformSessionStatus })
  start(@CurrentPrincipal() principal: Principal, @Body() request: StartSessionRequest): Promise<PlatformSessionStatus> {
    return this.sessions.start(principal, request.accountId, request.platform);
  }

  @Post('stop')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop listening; records duration and peak viewers and destroys the tracking map' })
  @ApiOkResponse({ type: PlatformSessionStatus })
  stop(@CurrentPrincipal() principal: Principal, @Body() request: SessionRequest): Promise<PlatformSessionStatus> {
    return this.sessions.stop(principal, request.accountId, request.platformSessionId);
  }

  @Post('associate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Tie the session to an in-game streaming session (carried on its pulses)' })
  @ApiOkResponse({ type: PlatformSessionStatus })
  associate(@CurrentPrincipal() principal: Principal, @Body() request: AssociateSessionRequest): Promise<PlatformSessionStatus> {
    return this.sessions.associate(principal, request.accountId, request.platformSessionId, request.inGameSessionId);
  }

  @Post('status')
  @HttpCode(200)
  @ApiOperation({ summary: 'Viewers, sentiment distribution so far, associated in-game session' })
  @ApiOkResponse({ type: PlatformSessionStatus })
  status(@CurrentPrincipal() principal: Principal, @Body() request: SessionRequest): Promise<PlatformSessionStatus> {
    return this.sessions.status(principal, request.accountId, request.platformSessionId);
  }

  @Post('list')
  @HttpCode(200)
  @ApiOperation({ summary: 'Active and recent sessions of the account, newest first' })
  @ApiOkResponse({ type: ListSessionsResponse })
  list(@CurrentPrincipal() principal: Principal, @Body() request: ListSessionsRequest): Promise<ListSessionsResponse> {
    return this.sessions.list(principal, request.accountId, request.offset ?? 0, request.limit ?? 20);
  }
}
