import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

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
