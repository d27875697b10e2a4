import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

import { ErrorCode } from '@lib-stream/contracts';

/** Lists every failed constraint by property path, e.g. `platform must be one of: twitch, youtube`. */
export function describeValidationErrors(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    // class-validator messages already name the bare property; show the full path for nested ones.
    const own = Object.values(error.constraints ?? {}).map((text) =>
      text.includes(error.property) ? text.replace(error.property, path) : `${path}: ${text}`,
    );
    return [...own, ...describeValidationErrors(error.children ?? [], path)];
  });
}

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    // One message per property: the first constraint that fails is the one worth reading.
    stopAtFirstError: true,
    exceptionFactory: (errors) =>
      new BadRequestException({ code: ErrorCode.ValidationFailed, message: describeValidationErrors(errors).join('; ') }),
  });
}
