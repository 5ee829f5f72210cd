import type { OpenAPIHono } from '@hono/zod-openapi';
import { errorExamples } from '../examples.js';

type OpenAPIObject = ReturnType<OpenAPIHono['getOpenAPIDocument']>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/**
 * With authentication on, every operation that is not public (`security: []`, as /health and /ready declare) also
 * documents its 401 answer and, when it names the permission it needs, its 403, with the backend's messages.
 */
export function documentWithAuth(document: OpenAPIObject, authOn: boolean): OpenAPIObject {
  if (!authOn) return document;
  for (const item of Object.values(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation || (Array.isArray(operation.security) && operation.security.length === 0)) continue;
      operation.responses['401'] ??= {
        description:
          'No token, or not a valid one (API_TOKENS, ADMIN_TOKENS or a JWT from the configured issuer)',
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/Error' },
            example: { error: errorExamples.unauthorized },
          },
        },
      };
      const permission = (operation as { 'x-required-permission'?: string })['x-required-permission'];
      if (permission === undefined) continue;
      operation.responses['403'] ??= {
        description: `The token lacks the "${permission}" permission`,
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/Error' },
            example: { error: `this credential lacks the "${permission}" permission` },
          },
        },
      };
    }
  }
  return document;
}
