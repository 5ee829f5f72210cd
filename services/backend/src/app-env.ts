import { OpenAPIHono } from '@hono/zod-openapi';
import type { RequestIdVariables } from 'hono/request-id';
import type { TimingVariables } from 'hono/timing';

export type AppEnv = { Variables: RequestIdVariables & TimingVariables };

/** A resource router; validation failures reach the parent app's one `defaultHook`. */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ strict: false });
}
