import type { NextFunction, Request, Response } from 'express';

import { ErrorBody, ErrorCode } from '@lib-stream/contracts';

import { withCorrelationField } from '../correlation/correlation';

/**
 * Deepest JSON nesting a request body may have. No request of ours needs more than a handful of
 * levels, while class-transformer and class-validator recurse once per level and overflow the stack
 * (a 500) at a couple of thousand levels, which fit in a 4 KB body.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether `value` nests objects/arrays deeper than `maxDepth` (`{}` and `[]` are depth 1). Walks with
 * an explicit stack instead of recursion, so a hostile body cannot overflow this check either.
 */
export function jsonDeeperThan(value: unknown, maxDepth: number): boolean {
  const pending: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 1 }];
  while (pending.length > 0) {
    const { node, depth } = pending.pop() as { node: unknown; depth: number };
    if (typeof node !== 'object' || node === null) continue;
    if (depth > maxDepth) return true;
    for (const child of Object.values(node)) {
      if (typeof child === 'object' && child !== null) pending.push({ node: child, depth: depth + 1 });
    }
  }
  return false;
}

/** Express middleware placed right after the JSON body parser: too-deep bodies never reach validation. */
export function rejectDeepJson(request: Request, response: Response, next: NextFunction): void {
  if (!jsonDeeperThan(request.body, MAX_JSON_DEPTH)) {
    next();
    return;
  }
  const body: ErrorBody = { statusCode: 400, code: ErrorCode.InvalidJson, message: `JSON nesting deeper than ${MAX_JSON_DEPTH} levels` };
  response.status(400).json(withCorrelationField(body, request));
}
