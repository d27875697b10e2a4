import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import { Role } from '@lib-stream/contracts';
import { AuthSettings, IS_PUBLIC } from '@lib-stream/nest-kit';

import { principalFromToken } from './bearer-token';
import type { Principal } from './principal';
import { REQUIRED_ROLES } from './roles.decorator';
import { AuthErrors } from './auth.errors';

/**
 * Every route needs a valid HS256 bearer token unless marked @Public(); @Roles() narrows it further.
 * 401 for a missing, malformed, expired or otherwise refused token (see bearer-token.ts), 403 when
 * the token lacks the role.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthSettings,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; principal?: Principal }>();
    const principal = this.authenticate(request.headers.authorization);
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets) ?? [];
    if (required.length > 0 && !required.some((role) => principal.roles.includes(role))) {
      throw AuthErrors.roleRequired(required);
    }
    request.principal = principal;
    return true;
  }

  private authenticate(header: string | undefined): Principal {
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match) throw AuthErrors.missingBearer();
    return principalFromToken(match[1], this.auth);
  }
}
