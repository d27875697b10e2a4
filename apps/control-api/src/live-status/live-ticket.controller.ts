import { Controller, Header, Headers, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';

import { Role } from '@lib-stream/contracts';
import { AuthSettings } from '@lib-stream/nest-kit';

import { acceptedUntilMs } from '../auth/bearer-token';
import type { Principal } from '../auth/principal';
import { CurrentPrincipal, Roles } from '../auth/roles.decorator';
import { LiveTicketStore } from './live-ticket.store';

export class LiveTicketResponse {
  @ApiProperty({ description: 'Single-use: open ws(s)://<host>/stream/events?ticket=<ticket> before it expires' })
  ticket: string;

  @ApiProperty({ description: 'Seconds left to use it: 30, or less when the bearer token expires sooner (never past its exp)', example: 30 })
  expiresInSeconds: number;
}

/** `POST /stream/events/ticket`: how a browser authenticates its WebSocket (see LiveTicketStore). */
@ApiTags('live status')
@ApiBearerAuth()
@Roles(Role.Admin, Role.User, Role.Developer)
@Controller('stream/events')
export class LiveTicketController {
  constructor(
    private readonly tickets: LiveTicketStore,
    private readonly auth: AuthSettings,
  ) {}

  @Post('ticket')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'A single-use ticket for the /stream/events WebSocket, for clients that cannot set Authorization on it (browsers); it carries the caller\'s roles' })
  @ApiOkResponse({ type: LiveTicketResponse })
  issue(@CurrentPrincipal() principal: Principal, @Headers('authorization') authorization: string): Promise<LiveTicketResponse> {
    // The guard has verified this header; the socket must not outlive the token behind the ticket.
    const token = authorization.replace(/^Bearer\s+/i, '');
    // The ticket's own life ends at the token's exp (no clock tolerance), the socket's with the tolerance.
    return this.tickets.issue({ principal, expiresAtMs: acceptedUntilMs(token, this.auth) }, acceptedUntilMs(token, { clockToleranceSeconds: 0 }));
  }
}
