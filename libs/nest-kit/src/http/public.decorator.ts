import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'lib-stream:public';

/** Marks a route or controller as open without a bearer token (health, metrics, webhooks). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
