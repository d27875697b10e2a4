import { Controller, Get, Header, type OnModuleInit, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Public } from '@lib-stream/nest-kit';

/**
 * Where the page's files are: beside this file in the sources (src/ops/ops-page), beside main.js in
 * the bundle (dist/apps/control-api/ops-page, copied by apps/control-api/webpack.config.js).
 */
export const OPS_PAGE_DIR = join(__dirname, 'ops-page');

/**
 * The page may load only its own script, style and socket: no inline script or style, no other
 * origin, no framing (it shows operational state to whoever holds an admin token).
 */
export const OPS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const FILES = {
  html: { name: 'index.html', type: 'text/html; charset=utf-8' },
  js: { name: 'ops.js', type: 'text/javascript; charset=utf-8' },
  css: { name: 'ops.css', type: 'text/css; charset=utf-8' },
} as const;

/**
 * `/ops`: the operator page (plain HTML, one JS module, one stylesheet; no build step). Public: the
 * files hold no data; the page asks for a bearer token and reads everything over `/stream/events`.
 */
@ApiExcludeController()
@Public()
@Controller('ops')
export class OpsController implements OnModuleInit {
  private readonly contents = new Map<keyof typeof FILES, Buffer>();

  /** Read once at start-up: a bundle shipped without them fails here, not on an operator's first visit. */
  onModuleInit(): void {
    for (const [kind, file] of Object.entries(FILES) as [keyof typeof FILES, (typeof FILES)[keyof typeof FILES]][]) {
      this.contents.set(kind, readFileSync(join(OPS_PAGE_DIR, file.name)));
    }
  }

  @Get()
  @Header('Content-Security-Policy', OPS_CONTENT_SECURITY_POLICY)
  page(@Res() response: Response): void {
    this.send(response, 'html');
  }

  @Get('ops.js')
  script(@Res() response: Response): void {
    this.send(response, 'js');
  }

  @Get('ops.css')
  style(@Res() response: Response): void {
    this.send(response, 'css');
  }

  private send(response: Response, kind: keyof typeof FILES): void {
    response
      .status(200)
      .set({
        'Content-Type': FILES[kind].type,
        // Revalidated on every load, so an upgrade's page and script are never mixed.
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'X-Frame-Options': 'DENY',
      })
      .send(this.contents.get(kind));
  }
}
