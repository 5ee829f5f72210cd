import { createRoute } from '@hono/zod-openapi';
import { endTime } from 'hono/timing';
import { createRouter } from '../../app-env.js';
import type { UrlFetcher } from '../../fetch/url-fetcher.js';
import type { ImageService } from '../../images/image-service.js';
import { exampleDetectResult, errorExamples as messages } from '../examples.js';
import { readImageInput, uploadBodyLimit } from '../image-input.js';
import { requires } from '../permission.js';
import {
  DetectionQuerySchema,
  DetectResponseSchema,
  errorResponse,
  ImageUploadBodySchema,
  imageInputErrorResponses,
  jsonResponse,
  toDetectionList,
} from '../schemas.js';
import { reportTimings } from '../server-timing.js';

export const detectRoute = (bodyLimit: ReturnType<typeof uploadBodyLimit>) =>
  createRoute({
    method: 'post',
    path: '/',
    tags: ['detect'],
    summary: 'Detect objects in an image without storing anything',
    ...requires('detect', bodyLimit),
    request: { query: DetectionQuerySchema, body: ImageUploadBodySchema },
    responses: {
      200: jsonResponse(DetectResponseSchema, 'The detections', exampleDetectResult),
      ...imageInputErrorResponses,
      502: errorResponse('The model server answered something unusable', messages.badGateway),
      503: errorResponse('The model server is unavailable (after retries)', messages.unavailable),
      504: errorResponse('The model server timed out', messages.timeout),
    },
  });

export function detectRouter(deps: { service: ImageService; fetcher: UrlFetcher; maxUploadBytes: number }) {
  const router = createRouter();
  router.openapi(detectRoute(uploadBodyLimit(deps.maxUploadBytes)), async (c) => {
    const query = c.req.valid('query');
    const input = await readImageInput(c.req, deps);
    endTime(c, 'receive');
    const result = await deps.service.detectOnly(
      input,
      { model: query.model, scoreThreshold: query.score_threshold },
      c.get('requestId'),
    );
    reportTimings(c, result.timings);
    return c.json(
      {
        width: result.probed.width,
        height: result.probed.height,
        content_type: result.probed.contentType,
        model: { name: result.modelName, version: result.modelVersion },
        detection: toDetectionList(result.objects),
      },
      200,
    );
  });
  return router;
}
