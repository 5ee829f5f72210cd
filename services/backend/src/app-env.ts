import { OpenAPIHono } from '@hono/zod-openapi';
import type { RequestIdVariables } from 'hono/request-id';
import type { TimingVariables } from 'hono/timing';
import type { Principal } from './auth/permissions.js';

export type AppEnv = { Variables: RequestIdVariables & TimingVariables & { principal: Principal } };

/** A resource router; validation failures reach the parent app's one `defaultHook`. */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ strict: false });
}
