import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { Role } from '@lib-stream/contracts';

import type { Principal } from '../auth/principal';
import { CurrentPrincipal, Roles } from '../auth/roles.decorator';
import { BroadcastsEnabledGuard } from './broadcasts-enabled.guard';
import { BroadcastsService } from './broadcasts.service';
import {
  BroadcastIdRequest,
  BroadcastStatusResponse,
  ListBroadcastsRequest,
  ListBroadcastsResponse,
  StartBroadcastRequest,
  UpdateBroadcastRequest,
  UpdateBroadcastResponse,
} from './dto/broadcast.dto';

@ApiTags('broadcast')
@ApiBearerAuth()
@Roles(Role.Admin)
@UseGuards(BroadcastsEnabledGuard)
@Controller('stream/broadcast')
export class BroadcastsController {
  constructor(private readonly broadcasts: BroadcastsService) {}

  @Post('start')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start broadcasting a camera or game audio to RTMP destinations',
    description: 'A media worker validates the sources and destinations, then starts FFmpeg. 400: invalid source or URL, or connectivity failed; 409: a broadcast is already active for this source; 503: no media worker can broadcast.',
  })
  @ApiOkResponse({ type: BroadcastStatusResponse })
  start(@CurrentPrincipal() principal: Principal, @Body() request: StartBroadcastRequest): Promise<BroadcastStatusResponse> {
    return this.broadcasts.start(request, principal.accountId);
  }

  @Post('stop')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop a broadcast (idempotent); waits up to 15 s for its media worker to confirm' })
  @ApiOkResponse({ type: BroadcastStatusResponse })
  stop(@Body() request: BroadcastIdRequest): Promise<BroadcastStatusResponse> {
    return this.broadcasts.stop(request.broadcastId);
  }

  @Post('update')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Change destinations or fallbacks of a running broadcast (new URLs are checked first; causes a short interruption)',
    description: 'Absent or null fields are unchanged; "" removes a background/fallback. rtmpOutputUrl replaces the first destination.',
  })
  @ApiOkResponse({ type: UpdateBroadcastResponse })
  update(@Body() request: UpdateBroadcastRequest): Promise<UpdateBroadcastResponse> {
    return this.broadcasts.update(request);
  }

  @Post('status')
  @HttpCode(200)
  @ApiOperation({ summary: 'One broadcast: health, video source on air, destinations (URLs masked)' })
  @ApiOkResponse({ type: BroadcastStatusResponse })
  status(@Body() request: BroadcastIdRequest): Promise<BroadcastStatusResponse> {
    return this.broadcasts.status(request.broadcastId);
  }

  @Post('list')
  @HttpCode(200)
  @ApiOperation({ summary: 'Broadcasts, newest first (active only unless activeOnly is false)' })
  @ApiOkResponse({ type: ListBroadcastsResponse })
  async list(@Body() request: ListBroadcastsRequest): Promise<ListBroadcastsResponse> {
    return { broadcasts: await this.broadcasts.list(request.activeOnly ?? true) };
  }
}
