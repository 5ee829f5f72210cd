import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { totalCountLimit } from '../../db/image-repository.js';
import { imageStatuses } from '../../db/schema/values.js';
import {
  exampleImage,
  exampleImageList,
  exampleImageWithDetections,
  errorExamples as messages,
} from '../examples.js';
import { requires } from '../permission.js';
import {
  ClientIdHeaderSchema,
  DetectionQuerySchema,
  errorResponse,
  ImageListSchema,
  ImageParamsSchema,
  ImageSchema,
  ImageUploadBodySchema,
  ImageWithDetectionsSchema,
  imageErrorResponse,
  imageInputErrorResponses,
  jsonResponse,
  PageQuerySchema,
} from '../schemas.js';

const timestampSchema = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z' })
  .transform((value) => Date.parse(value));

const detectionFailureResponses = {
  502: imageErrorResponse(
    'The model server answered something unusable; the image is kept with status "failed"',
    messages.badGateway,
  ),
  503: imageErrorResponse(
    'The model server is unavailable (after retries); the image is kept with status "failed"',
    messages.unavailable,
  ),
  504: imageErrorResponse(
    'The model server timed out; the image is kept with status "failed"',
    messages.timeout,
  ),
};

const invalidId = errorResponse('Invalid image id', messages.invalidImageId);
const noSuchImage = errorResponse('No such image', messages.imageNotFound);

const binaryImage = z.string().openapi({ type: 'string', format: 'binary' });
const imageContent = {
  'image/jpeg': { schema: binaryImage },
  'image/png': { schema: binaryImage },
  'image/webp': { schema: binaryImage },
};

export const uploadImageRoute = (bodyLimit: MiddlewareHandler) =>
  createRoute({
    method: 'post',
    path: '/',
    tags: ['images'],
    summary: 'Upload an image, detect objects in it and store both',
    ...requires('detect', bodyLimit),
    request: { query: DetectionQuerySchema, headers: ClientIdHeaderSchema, body: ImageUploadBodySchema },
    responses: {
      201: jsonResponse(ImageWithDetectionsSchema, 'Stored with its objects', exampleImageWithDetections),
      ...imageInputErrorResponses,
      409: imageErrorResponse(
        'The same bytes were uploaded before; `image_id` names the existing image',
        messages.duplicate,
      ),
      ...detectionFailureResponses,
    },
  });

export const listImagesRoute = createRoute({
  method: 'get',
  path: '/',
  tags: ['images'],
  summary: 'List images, newest first, optionally filtered by label, status and time',
  ...requires('read'),
  description:
    'Every filter and every page is one index range, however deep the cursor. `total` counts all matching images: ' +
    'exact from maintained tallies for no filter, `status` alone or `label` alone; with a time range it is counted ' +
    `up to ${totalCountLimit} and reported as \`{"count": ${totalCountLimit}, "exact": false}\` (at least) beyond.`,
  request: {
    query: z.object({
      label: z
        .string()
        .min(1, 'must not be empty')
        .max(100, 'must be at most 100 characters')
        .optional()
        .openapi({
          description: 'Only images with at least one object of this label (case-insensitive)',
          example: 'dog',
        }),
      status: z.enum(imageStatuses).optional().openapi({ description: 'Only images with this status' }),
      created_after: timestampSchema.optional().openapi({
        description: 'Only images created at or after this time (ISO 8601 with offset)',
        example: '2026-01-01T00:00:00Z',
      }),
      created_before: timestampSchema.optional().openapi({
        description: 'Only images created before this time (ISO 8601 with offset)',
        example: '2026-02-01T00:00:00Z',
      }),
      ...PageQuerySchema.shape,
    }),
  },
  responses: {
    200: jsonResponse(ImageListSchema, 'One page of images', exampleImageList),
    400: errorResponse('Invalid limit, cursor or filter', messages.invalidListQuery),
  },
});

export const getImageRoute = createRoute({
  method: 'get',
  path: '/{image_id}',
  tags: ['images'],
  summary: 'Image metadata and object count',
  ...requires('read'),
  request: { params: ImageParamsSchema },
  responses: {
    200: jsonResponse(ImageSchema, 'The image', exampleImage),
    400: invalidId,
    404: noSuchImage,
  },
});

export const getImageFileRoute = createRoute({
  method: 'get',
  path: '/{image_id}/file',
  tags: ['images'],
  summary: 'The original image bytes',
  ...requires('read'),
  request: { params: ImageParamsSchema },
  responses: {
    200: { content: imageContent, description: 'The uploaded bytes, unchanged' },
    304: { description: 'Not modified (If-None-Match)' },
    400: invalidId,
    404: noSuchImage,
  },
});

export const getAnnotatedImageRoute = createRoute({
  method: 'get',
  path: '/{image_id}/annotated',
  tags: ['images'],
  summary: 'The image with the detected boxes and labels drawn on it',
  ...requires('read'),
  request: { params: ImageParamsSchema },
  responses: {
    200: { content: imageContent, description: 'Annotated image, in the original format' },
    304: { description: 'Not modified (If-None-Match)' },
    400: invalidId,
    404: noSuchImage,
  },
});

export const deleteImageRoute = createRoute({
  method: 'delete',
  path: '/{image_id}',
  tags: ['images'],
  summary: 'Delete an image, its file, its detection runs and objects',
  ...requires('admin'),
  request: { params: ImageParamsSchema },
  responses: {
    204: { description: 'Deleted' },
    400: invalidId,
    404: noSuchImage,
  },
});

export const redetectRoute = createRoute({
  method: 'post',
  path: '/{image_id}/detections',
  tags: ['images'],
  summary: 'Run detection again (after a failure, or with another model or threshold), replacing the objects',
  ...requires('detect'),
  request: { params: ImageParamsSchema, query: DetectionQuerySchema, headers: ClientIdHeaderSchema },
  responses: {
    200: jsonResponse(
      ImageWithDetectionsSchema,
      'The image with its new objects',
      exampleImageWithDetections,
    ),
    400: errorResponse('Invalid image id, model or threshold', messages.invalidQuery),
    404: noSuchImage,
    422: errorResponse('The model server could not process the image', messages.modelRejected),
    ...detectionFailureResponses,
  },
});
