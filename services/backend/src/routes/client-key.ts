import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';

/**
 * Who asks, for a canary's traffic split (one client, one version): the client's own `X-Client-Id`, else the
 * authenticated principal (a JWT's subject, or a digest of the static token); undefined for an anonymous request
 * without the header, which is then split at random.
 */
export function clientKeyOf(c: Context<AppEnv>, clientId: string | undefined): string | undefined {
  if (clientId !== undefined) return `client:${clientId}`;
  const principal = c.get('principal');
  if (principal?.kind === 'jwt') return `subject:${principal.subject}`;
  const authorization = c.req.header('authorization');
  if (principal?.kind === 'static-token' && authorization)
    return `token:${createHash('sha256').update(authorization).digest('hex')}`;
  return undefined;
}
