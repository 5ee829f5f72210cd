import type { OpenAPIHono } from '@hono/zod-openapi';
import { errorExamples } from '../examples.js';

type OpenAPIObject = ReturnType<OpenAPIHono['getOpenAPIDocument']>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/**
 * With API_TOKENS set, every operation that is not public (`security: []`, as /health and /ready declare) also
 * documents its 401 answer, with the backend's message.
 */
export function documentWithAuth(document: OpenAPIObject, authOn: boolean): OpenAPIObject {
  if (!authOn) return document;
  for (const item of Object.values(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation || (Array.isArray(operation.security) && operation.security.length === 0)) continue;
      operation.responses['401'] ??= {
        description: 'No token, or not one of API_TOKENS',
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/Error' },
            example: { error: errorExamples.unauthorized },
          },
        },
      };
    }
  }
  return document;
}
