import { ErrorCode } from '@lib-stream/contracts';
import { DomainError } from '@lib-stream/nest-kit';

/** Refusals of the admin endpoints. Statuses come from the code (nest-kit's table). */
export const AdminErrors = {
  /** 404 */
  noRecentPulse: () => new DomainError(ErrorCode.NotFound, 'No recent pulse for this session'),
};
