import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { endTime, startTime } from 'hono/timing';
import type { AppEnv } from '../../app-env.js';
import { createRouter } from '../../app-env.js';
import type { UrlFetcher } from '../../fetch/url-fetcher.js';
import type { DetectOnlyResult, ImageInput, ImageService } from '../../images/image-service.js';
import { clientKeyOf } from '../client-key.js';
import { exampleDetectResult, errorExamples as messages } from '../examples.js';
import { readImageFromUrl, readImageInput, uploadBodyLimit } from '../image-input.js';
import { requires } from '../permission.js';
import {
  ClientIdHeaderSchema,
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
    request: { query: DetectionQuerySchema, headers: ClientIdHeaderSchema, body: ImageUploadBodySchema },
    responses: {
      200: jsonResponse(DetectResponseSchema, 'The detections', exampleDetectResult),
      ...imageInputErrorResponses,
      502: errorResponse('The model server answered something unusable', messages.badGateway),
      503: errorResponse('The model server is unavailable (after retries)', messages.unavailable),
      504: errorResponse('The model server timed out', messages.timeout),
    },
  });

const DetectFromUrlQuerySchema = DetectionQuerySchema.extend({
  image_url: z
    .string({ error: 'the query parameter "image_url" is missing' })
    .min(1, '"image_url" must not be empty')
    .max(2048, '"image_url" must be at most 2048 characters')
    .openapi({
      description: 'The image to fetch (http or https)',
      example: 'https://example.com/street.jpg',
    }),
});

/** The compatibility form other detection services offer: `GET /detect?image_url=…`, answered like `POST /detect`. */
export const detectFromUrlRoute = createRoute({
  method: 'get',
  path: '/',
  tags: ['detect'],
  summary: 'Detect objects in the image at a URL without storing anything (same answer as POST /detect)',
  ...requires('detect'),
  request: { query: DetectFromUrlQuerySchema, headers: ClientIdHeaderSchema },
  responses: {
    200: jsonResponse(DetectResponseSchema, 'The detections', exampleDetectResult),
    ...imageInputErrorResponses,
    400: errorResponse(
      'Missing or invalid image_url, or what it returned is not an image',
      messages.badImageUrl,
    ),
    502: errorResponse('The model server answered something unusable', messages.badGateway),
    503: errorResponse('The model server is unavailable (after retries)', messages.unavailable),
    504: errorResponse('The model server timed out', messages.timeout),
  },
});

async function detectAndAnswer(
  c: Context<AppEnv>,
  service: ImageService,
  input: ImageInput,
  query: { model?: string | undefined; score_threshold?: number | undefined },
  clientId: string | undefined,
) {
  const result: DetectOnlyResult = await service.detectOnly(
    input,
    { model: query.model, scoreThreshold: query.score_threshold, clientKey: clientKeyOf(c, clientId) },
    c.get('requestId'),
  );
  reportTimings(c, result.timings);
  return {
    width: result.probed.width,
    height: result.probed.height,
    content_type: result.probed.contentType,
    model: { name: result.modelName, version: result.modelVersion },
    detection: toDetectionList(result.objects),
  };
}

export function detectRouter(deps: { service: ImageService; fetcher: UrlFetcher; maxUploadBytes: number }) {
  const router = createRouter();
  router.openapi(detectRoute(uploadBodyLimit(deps.maxUploadBytes)), async (c) => {
    const query = c.req.valid('query');
    const input = await readImageInput(c.req, deps);
    endTime(c, 'receive');
    return c.json(
      await detectAndAnswer(c, deps.service, input, query, c.req.valid('header')['x-client-id']),
      200,
    );
  });
  router.openapi(detectFromUrlRoute, async (c) => {
    const query = c.req.valid('query');
    startTime(c, 'receive', 'URL fetch');
    const input = await readImageFromUrl(query.image_url, deps.fetcher);
    endTime(c, 'receive');
    return c.json(
      await detectAndAnswer(c, deps.service, input, query, c.req.valid('header')['x-client-id']),
      200,
    );
  });
  return router;
}
