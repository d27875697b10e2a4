import { CanActivate, Inject, Injectable } from '@nestjs/common';

import { ErrorCode } from '@lib-stream/contracts';
import { APP_CONFIG, type AppConfig, DomainError } from '@lib-stream/nest-kit';

/**
 * 503 FEATURE_DISABLED for every broadcast endpoint while STREAM_BROADCAST_ENABLED=false. A guard, so
 * it answers after authentication but before the body is validated.
 */
@Injectable()
export class BroadcastsEnabledGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(): boolean {
    if (!this.config.STREAM_BROADCAST_ENABLED) {
      throw new DomainError(ErrorCode.FeatureDisabled, 'Broadcasting is disabled on this deployment (STREAM_BROADCAST_ENABLED=false)');
    }
    return true;
  }
}
