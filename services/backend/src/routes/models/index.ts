import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../../app-env.js';
import { ApiError } from '../../errors.js';
import { failureStatus, type ModelClient, ModelServerError } from '../../inference/model-client.js';
import { exampleModelList, errorExamples as messages } from '../examples.js';
import { requires } from '../permission.js';
import { errorResponse, jsonResponse } from '../schemas.js';

const ModelListSchema = z
  .object({
    default_model: z.string(),
    models: z.array(
      z.object({
        name: z.string(),
        version: z.string().nullable(),
        state: z.string().openapi({ example: 'READY' }),
        reason: z.string(),
      }),
    ),
  })
  .openapi('ModelList');

export const listModelsRoute = createRoute({
  method: 'get',
  path: '/',
  tags: ['models'],
  summary: "The model server's models (its repository index)",
  ...requires('read'),
  responses: {
    200: jsonResponse(ModelListSchema, 'Models and their state', exampleModelList),
    502: errorResponse('The model server answered something unusable', messages.modelsBadGateway),
    503: errorResponse('The model server is unavailable', messages.modelsUnavailable),
    504: errorResponse('The model server timed out', messages.modelsTimeout),
  },
});

export function modelsRouter(deps: { modelClient: ModelClient; defaultModel: string }) {
  const router = createRouter();
  router.openapi(listModelsRoute, async (c) => {
    try {
      const models = await deps.modelClient.listModels();
      return c.json({ default_model: deps.defaultModel, models }, 200);
    } catch (error) {
      if (!(error instanceof ModelServerError)) throw error;
      // A refused index request is as unusable as a malformed answer.
      const status = error.failure === 'rejected' ? 502 : failureStatus[error.failure];
      throw new ApiError(status, `cannot list models: ${error.message}`);
    }
  });
  return router;
}
