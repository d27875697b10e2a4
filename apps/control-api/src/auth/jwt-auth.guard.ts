import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JsonWebTokenError, TokenExpiredError, verify } from 'jsonwebtoken';

import { ErrorCode, Role } from '@lib-stream/contracts';
import { APP_CONFIG, AppConfig, DomainError, IS_PUBLIC } from '@lib-stream/nest-kit';

import type { Principal } from './principal';
import { REQUIRED_ROLES } from './roles.decorator';

const KNOWN_ROLES = new Set<string>(Object.values(Role));

/**
 * Every route needs a valid HS256 bearer token unless marked @Public(); @Roles() narrows it further.
 * 401 for a missing, malformed or expired token, 403 when the token lacks the role.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; principal?: Principal }>();
    const principal = this.authenticate(request.headers.authorization);
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets) ?? [];
    if (required.length > 0 && !required.some((role) => principal.roles.includes(role))) {
      throw new DomainError(ErrorCode.Forbidden, `This endpoint requires the ${required.join(' or ')} role`);
    }
    request.principal = principal;
    return true;
  }

  private authenticate(header: string | undefined): Principal {
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match) throw new DomainError(ErrorCode.Unauthenticated, 'Missing bearer token (Authorization: Bearer <JWT>)');
    let claims: unknown;
    try {
      claims = verify(match[1], this.config.STREAM_AUTH_JWT_SECRET, { algorithms: ['HS256'] });
    } catch (error) {
      const reason = error instanceof TokenExpiredError ? 'expired' : error instanceof JsonWebTokenError ? 'invalid' : 'unreadable';
      throw new DomainError(ErrorCode.Unauthenticated, `Bearer token is ${reason}`);
    }
    const { sub, roles } = (claims ?? {}) as { sub?: unknown; roles?: unknown };
    if (typeof sub !== 'string' || sub.length === 0) {
      throw new DomainError(ErrorCode.Unauthenticated, 'Bearer token has no subject (sub) claim');
    }
    const roleList = Array.isArray(roles) ? roles.filter((role): role is Role => typeof role === 'string' && KNOWN_ROLES.has(role)) : [];
    return { accountId: sub, roles: roleList };
  }
}
