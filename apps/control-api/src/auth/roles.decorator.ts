import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';

import type { Role } from '@lib-stream/contracts';

import type { Principal } from './principal';

export const REQUIRED_ROLES = 'lib-stream:roles';

/** The caller needs at least one of these roles. */
export const Roles = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES, roles);

export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  return context.switchToHttp().getRequest<{ principal: Principal }>().principal;
});
