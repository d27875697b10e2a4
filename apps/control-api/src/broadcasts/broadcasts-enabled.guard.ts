import { CanActivate, Inject, Injectable } from '@nestjs/common';

import { APP_CONFIG, type AppConfig } from '@lib-stream/nest-kit';

import { BroadcastErrors } from './broadcast.errors';

/**
 * 503 FEATURE_DISABLED for every broadcast endpoint while STREAM_BROADCAST_ENABLED=false. A guard, so
 * it answers after authentication but before the body is validated.
 */
@Injectable()
export class BroadcastsEnabledGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(): boolean {
    if (!this.config.STREAM_BROADCAST_ENABLED) {
      throw BroadcastErrors.disabled();
    }
    return true;
  }
}
