import type { MiddlewareHandler } from 'hono';
import type { Permission } from '../auth/permissions.js';
import { requirePermission } from '../middleware/authenticate.js';

/**
 * What a route needs, declared once in its `createRoute` config: checked by its first middleware and published in
 * the OpenAPI document as `x-required-permission` (the permission tests walk the document, so a route without
 * one fails them).
 */
export function requires(permission: Permission, ...middleware: MiddlewareHandler[]) {
  return {
    'x-required-permission': permission,
    middleware: [requirePermission(permission) as MiddlewareHandler, ...middleware],
  };
}
