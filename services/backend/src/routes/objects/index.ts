import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../../app-env.js';
import type { ImageRepository } from '../../db/image-repository.js';
import { ApiError } from '../../errors.js';
import { exampleDetection, exampleObjectList, errorExamples as messages } from '../examples.js';
import { requires } from '../permission.js';
import {
  DetectionSchema,
  errorResponse,
  ImageParamsSchema,
  jsonResponse,
  ObjectListSchema,
  ObjectParamsSchema,
  toDetection,
  toObjectSummary,
} from '../schemas.js';

export const listObjectsRoute = createRoute({
  method: 'get',
  path: '/{image_id}/objects',
  tags: ['objects'],
  summary: 'Objects detected in an image, highest score first',
  ...requires('read'),
  request: {
    params: ImageParamsSchema,
    query: z.object({
      label: z
        .string()
        .min(1)
        .max(100, 'must be at most 100 characters')
        .optional()
        .openapi({ example: 'person' }),
      min_score: z.coerce
        .number()
        .min(0, 'must be between 0 and 1')
        .max(1, 'must be between 0 and 1')
        .optional()
        .openapi({ example: 0.5 }),
    }),
  },
  responses: {
    200: jsonResponse(ObjectListSchema, 'The objects', exampleObjectList),
    400: errorResponse('Invalid id or filter', messages.invalidObjectQuery),
    404: errorResponse('No such image', messages.imageNotFound),
  },
});

export const getObjectRoute = createRoute({
  method: 'get',
  path: '/{image_id}/objects/{object_id}',
  tags: ['objects'],
  summary: 'One detected object',
  ...requires('read'),
  request: { params: ObjectParamsSchema },
  responses: {
    200: jsonResponse(DetectionSchema, 'The object', exampleDetection),
    400: errorResponse('Invalid id', messages.invalidObjectId),
    404: errorResponse('No such image, or no such object in this image', messages.objectNotFound),
  },
});

export function objectsRouter(deps: { repository: ImageRepository }) {
  const router = createRouter();

  router.openapi(listObjectsRoute, async (c) => {
    const { image_id } = c.req.valid('param');
    const { label, min_score } = c.req.valid('query');
    if (!(await deps.repository.exists(image_id))) throw new ApiError(404, `image ${image_id} not found`);
    const objects = (await deps.repository.listObjects(image_id, { label, minScore: min_score })).map(
      toObjectSummary,
    );
    return c.json({ image_id, count: objects.length, objects }, 200);
  });

  router.openapi(getObjectRoute, async (c) => {
    const { image_id, object_id } = c.req.valid('param');
    if (!(await deps.repository.exists(image_id))) throw new ApiError(404, `image ${image_id} not found`);
    const object = await deps.repository.findObject(image_id, object_id);
    if (!object) throw new ApiError(404, `object ${object_id} not found in image ${image_id}`);
    return c.json(toDetection(object), 200);
  });

  return router;
}
