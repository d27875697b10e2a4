import type { INestApplication } from '@nestjs/common';
import { ApiExcludeController, ApiOperation, ApiTags, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

import { HealthController, MetricsController } from '@lib-stream/nest-kit';

// nest-kit's health and metrics controllers are described here rather than where they are declared:
// media-worker and pulse-publisher serve no docs, and without these decorators they do not load
// @nestjs/swagger at all (~0.1 CPU-s of each start, and its packages out of their images). Once, as
// this module loads: the decorators add to what a class already has.
ApiTags('health')(HealthController);
describeOperation(HealthController, 'live', 'Liveness: the process is up and its event loop answers');
describeOperation(HealthController, 'ready', 'Readiness: dependencies reachable and not shutting down (503 otherwise)');
ApiExcludeController()(MetricsController);

function describeOperation<T extends object>(controller: new (...args: never[]) => T, method: keyof T & string, summary: string): void {
  const descriptor = Object.getOwnPropertyDescriptor(controller.prototype, method);
  if (!descriptor) throw new Error(`${controller.name} has no method ${method}`);
  ApiOperation({ summary })(controller.prototype, method, descriptor);
}

/**
 * Serves the OpenAPI UI at /docs and the document at /docs-json. The document is built on the first
 * request for either, not at start: scanning every route costs the boot ~0.1 CPU-s that most
 * processes (replicas behind a load balancer, restarts) never need.
 */
export function setupOpenApi(app: INestApplication): void {
  const document = () => SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('lib-stream control API')
      .setDescription(
        'Links streaming-platform accounts, manages platform sessions and broadcasts, and receives platform webhooks. ' +
          'Errors always have the shape { statusCode, code, message, correlationId }; correlationId is also the X-Request-Id response header of every answer (send your own X-Request-Id, [A-Za-z0-9._-]{1,64}, to choose it). Authenticate with `Authorization: Bearer <JWT>` ' +
          '(HS256, `sub` = account id, `roles` ⊆ [user, admin, developer]); webhooks and health take no token.',
      )
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
