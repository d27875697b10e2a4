import { CanActivate, Injectable } from '@nestjs/common';

import { BroadcastSettings } from '@lib-stream/nest-kit';

import { BroadcastErrors } from './broadcast.errors';

/**
 * 503 FEATURE_DISABLED for every broadcast endpoint while STREAM_BROADCAST_ENABLED=false. A guard, so
 * it answers after authentication but before the body is validated.
 */
@Injectable()
export class BroadcastsEnabledGuard implements CanActivate {
  constructor(private readonly broadcast: BroadcastSettings) {}

  canActivate(): boolean {
    if (!this.broadcast.enabled) {
      throw BroadcastErrors.disabled();
    }
    return true;
  }
}
