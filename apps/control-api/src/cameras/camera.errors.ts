import { ErrorCode } from '@lib-stream/contracts';
import { DomainError } from '@lib-stream/nest-kit';

/** Refusals of the camera endpoints. Statuses come from the code (nest-kit's table). */
export const CameraErrors = {
  /** 404 */
  notFound: () => new DomainError(ErrorCode.NotFound, 'Camera not found'),
};
