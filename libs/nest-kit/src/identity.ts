import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

import type { ServiceName } from '@lib-stream/contracts';

export interface ServiceIdentity {
  service: ServiceName;
  /** Unique per process: pod name (HOSTNAME in Kubernetes) plus a random suffix. */
  instanceId: string;
  version: string;
}

export function newServiceIdentity(service: ServiceName, version = process.env.npm_package_version ?? '0.1.0'): ServiceIdentity {
  return { service, instanceId: `${hostname()}-${randomBytes(3).toString('hex')}`, version };
}
