import { createRoute } from '@hono/zod-openapi';
import { createRouter } from '../../app-env.js';
import type { ImageRepository } from '../../db/image-repository.js';
import { exampleLabelList } from '../examples.js';
import { requires } from '../permission.js';
import { jsonResponse, LabelListSchema } from '../schemas.js';

export const listLabelsRoute = createRoute({
  method: 'get',
  path: '/',
  tags: ['labels'],
  summary: 'Every detected label with how many images and objects carry it, most images first',
  ...requires('read'),
  description:
    'Read from tallies kept in the same transactions as the objects (no scan). Labels are lower-cased; ' +
    '`GET /images?label=…` lists the images of one.',
  responses: {
    200: jsonResponse(LabelListSchema, 'The labels', exampleLabelList),
  },
});

const byCount = (
  a: { label: string; imageCount: number },
  b: { label: string; imageCount: number },
): number => b.imageCount - a.imageCount || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);

export function labelsRouter(deps: { repository: ImageRepository }) {
  const router = createRouter();
  router.openapi(listLabelsRoute, async (c) => {
    const labels = (await deps.repository.labels()).sort(byCount);
    return c.json(
      {
        labels: labels.map((row) => ({
          label: row.label,
          image_count: row.imageCount,
          object_count: row.objectCount,
        })),
      },
      200,
    );
  });
  return router;
}
