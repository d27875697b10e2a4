import { ErrorCode } from '@lib-stream/contracts';
import { DomainError } from '@lib-stream/nest-kit';

/** Refusals every feature of control-api shares. Statuses come from the code (nest-kit's table). */
export const ServiceErrors = {
  /** 503: `STREAM_ENABLED=false`. */
  disabled: () => new DomainError(ErrorCode.FeatureDisabled, 'lib-stream is disabled on this deployment (STREAM_ENABLED=false)'),
};
