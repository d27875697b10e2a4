import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

import { SERVICE_IDENTITY } from '../config/config.tokens';
import type { ServiceIdentity } from '../identity';
import { DeferredCounts } from './deferred-counts';

/** One Prometheus registry per process, with default Node metrics and HTTP request metrics. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  /** httpRequests' counts from hot paths that count in plain numbers until a scrape (DeferredCounts). */
  readonly httpRequestCounts: DeferredCounts<'method' | 'route' | 'status'>;

  constructor(@Inject(SERVICE_IDENTITY) identity: ServiceIdentity) {
    this.registry.setDefaultLabels({ service: identity.service });
    collectDefaultMetrics({ register: this.registry, prefix: 'lib_stream_' });
    this.httpRequestCounts = new DeferredCounts({
      name: 'lib_stream_http_requests_total',
      help: 'HTTP requests served, by route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.httpRequests = this.httpRequestCounts.counter;
    this.httpDuration = new Histogram({
      name: 'lib_stream_http_request_duration_seconds',
      help: 'HTTP request duration by route template',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    new Counter({ name: 'lib_stream_info', help: 'Build and instance information', labelNames: ['version', 'instance'], registers: [this.registry] })
      .labels(identity.version, identity.instanceId)
      .inc();
  }
}
