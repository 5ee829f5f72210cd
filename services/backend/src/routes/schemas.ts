import { z } from '@hono/zod-openapi';
import type { ImageWithRun } from '../db/image-repository.js';
import type { DetectionRunRow, NewObjectRow, ObjectRow } from '../db/records.js';
import { EXAMPLE_IMAGE_ID, errorExamples } from './examples.js';

export const ErrorSchema = z
  .object({ error: z.string().openapi({ description: 'What was wrong, in words' }) })
  .openapi('Error');

/** An error about one stored image: a duplicate upload, or a detection that failed after the image was kept. */
export const ImageErrorSchema = ErrorSchema.extend({
  image_id: z.string().openapi({ description: 'The image the error is about' }),
}).openapi('ImageError');

/** A JSON response with its schema and a real example. */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string, example: unknown) => ({
  content: { 'application/json': { schema, example } },
  description,
});

/** An error response with the message the backend sends in that case. */
export const errorResponse = (description: string, message: string) =>
  jsonResponse(ErrorSchema, description, { error: message });

/** An error response that names the stored image (`image_id`). */
export const imageErrorResponse = (description: string, message: string) =>
  jsonResponse(ImageErrorSchema, description, { error: message, image_id: EXAMPLE_IMAGE_ID });

/** Errors shared by every route that takes an image (upload or URL) and runs the model on it. */
export const imageInputErrorResponses = {
  400: errorResponse(
    'Missing, empty, non-image, truncated or otherwise invalid input',
    errorExamples.badInput,
  ),
  413: errorResponse(
    'File larger than MAX_UPLOAD_BYTES, or more pixels than MAX_IMAGE_PIXELS',
    errorExamples.tooLarge,
  ),
  415: errorResponse('Unsupported image format or request content type', errorExamples.unsupported),
  422: errorResponse(
    'The URL could not be fetched, or the model server could not process the image',
    errorExamples.unprocessable,
  ),
};

export const ImageIdSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be the 64-character hex SHA-256 of the image')
  .transform((id) => id.toLowerCase())
  .openapi({
    param: { name: 'image_id', in: 'path' },
    description: 'SHA-256 of the image bytes (hex)',
    example: '3a5f0c1e8b2d4f6a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a',
  });

export const ImageParamsSchema = z.object({ image_id: ImageIdSchema });

export const ObjectParamsSchema = z.object({
  image_id: ImageIdSchema,
  object_id: z
    .uuid({ message: 'must be a UUID' })
    .transform((id) => id.toLowerCase())
    .openapi({ param: { name: 'object_id', in: 'path' }, example: '6f1c2c8e-4d3b-4f0e-9a47-2f6f3b1e8d21' }),
});

const modelNameSchema = z
  .string()
  .max(128, 'must be at most 128 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a model name (letters, digits, "_", "." and "-")');

export const DetectionQuerySchema = z.object({
  model: modelNameSchema
    .optional()
    .openapi({ description: 'Model to run (default: DEFAULT_MODEL)', example: 'centernet-coco' }),
  score_threshold: z.coerce
    .number()
    .min(0, 'must be between 0 and 1')
    .max(1, 'must be between 0 and 1')
    .optional()
    .openapi({ description: 'Minimum detection score (default: the model’s own)', example: 0.3 }),
});

/** One page of a newest-first list: its size and where the previous page stopped. */
export const PageQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int('must be an integer')
    .min(1, 'must be between 1 and 100')
    .max(100, 'must be between 1 and 100')
    .default(20),
  cursor: z
    .string()
    .max(200, 'is not a valid cursor')
    .optional()
    .openapi({ description: '`next_cursor` of the previous page' }),
});

/** `X-Client-Id`: who asks, so that a canary's traffic split sends one client to one version. */
export const ClientIdHeaderSchema = z.object({
  'x-client-id': z
    .string()
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters')
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional()
    .openapi({
      description:
        'A stable id of the client or session (optional). During a canary every request with the same id goes to the same version; without it, the authenticated principal decides, and anonymous requests are split at random',
      example: 'session-4f1c2a',
    }),
});

const fileSchema = z
  .custom<File>((value) => value instanceof File, {
    error: (issue) =>
      issue.input === undefined
        ? 'the multipart field "file" is missing'
        : '"file" must be a file, not a text value',
  })
  .openapi({ type: 'string', format: 'binary' });

export const ImageUploadBodySchema = {
  content: {
    'multipart/form-data': {
      schema: z.object({ file: fileSchema.optional() }).openapi('ImageUpload'),
    },
    'application/json': {
      schema: z
        .object({
          url: z
            .string({ error: '"url" must be a string' })
            .min(1, '"url" must not be empty')
            .max(2048, '"url" must be at most 2048 characters')
            .openapi({ example: 'https://example.com/photo.jpg' }),
        })
        .openapi('ImageUrl'),
    },
  },
  required: false,
  description:
    'The image as multipart field `file`, or JSON `{"url": "…"}` to fetch it (http/https, public addresses only)',
};

const bboxSchema = z
  .tuple([z.number().int(), z.number().int(), z.number().int(), z.number().int()])
  .openapi({ description: '[x_min, y_min, x_max, y_max] in image pixels', example: [48, 112, 310, 470] });

export const DetectionSchema = z
  .object({
    object_id: z.string().openapi({ format: 'uuid' }),
    bbox: bboxSchema,
    centroid: z.tuple([z.number(), z.number()]).openapi({ description: '[x, y], centre of the box' }),
    radius: z.number().openapi({ description: 'Radius of the circle through the box corners, pixels' }),
    label: z.string(),
    class_id: z.number().int(),
    score: z.number(),
  })
  .openapi('Detection');

export const ObjectSummarySchema = z
  .object({
    object_id: z.string().openapi({ format: 'uuid' }),
    bbox: bboxSchema,
    label: z.string(),
    score: z.number(),
  })
  .openapi('ObjectSummary');

/** The model that produced a set of detections (inlined where it is always present; `ModelRef` where it may not be). */
export const ModelSchema = z.object({ name: z.string(), version: z.string().nullable() });

export const ModelRefSchema = ModelSchema.nullable().openapi('ModelRef');

export const ImageSchema = z
  .object({
    image_id: z.string(),
    filename: z.string(),
    content_type: z.string(),
    width: z.number().int(),
    height: z.number().int(),
    size_bytes: z.number().int(),
    created_at: z.string().openapi({ format: 'date-time' }),
    status: z.enum(['completed', 'failed']),
    error: z.string().nullable().openapi({ description: 'Why detection failed (status "failed")' }),
    model: ModelRefSchema,
    object_count: z.number().int(),
    source_url: z.string().nullable(),
  })
  .openapi('Image');

export const DetectionListSchema = z.object({
  count: z.number().int(),
  detections: z.array(DetectionSchema),
});

/** `POST /detect`: detections without storing anything. */
export const DetectResponseSchema = z
  .object({
    width: z.number().int(),
    height: z.number().int(),
    content_type: z.string(),
    model: ModelSchema,
    detection: DetectionListSchema,
  })
  .openapi('DetectResult');

export const ImageWithDetectionsSchema = ImageSchema.extend({
  detection: DetectionListSchema,
}).openapi('ImageWithDetections');

export const ImageListSchema = z
  .object({
    images: z.array(ImageSchema),
    next_cursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next (older) page' }),
    total: z
      .object({
        count: z.number().int(),
        exact: z
          .boolean()
          .openapi({ description: 'false: `count` is a lower bound (at least that many match)' }),
      })
      .openapi('ImageTotal', { description: 'How many images match the filter (all pages)' }),
  })
  .openapi('ImageList');

export const LabelListSchema = z
  .object({
    labels: z.array(
      z.object({
        label: z.string().openapi({ example: 'dog' }),
        image_count: z
          .number()
          .int()
          .openapi({ description: 'Images with at least one object of this label' }),
        object_count: z.number().int().openapi({ description: 'Current objects with this label' }),
      }),
    ),
  })
  .openapi('LabelList');

export const ObjectListSchema = z
  .object({ image_id: z.string(), count: z.number().int(), objects: z.array(ObjectSummarySchema) })
  .openapi('ObjectList');

type AnyObjectRow = ObjectRow | NewObjectRow;

const bboxOf = (row: AnyObjectRow): [number, number, number, number] => [
  row.xMin,
  row.yMin,
  row.xMax,
  row.yMax,
];

export function toDetection(row: AnyObjectRow): z.infer<typeof DetectionSchema> {
  return {
    object_id: row.id,
    bbox: bboxOf(row),
    centroid: [row.centroidX, row.centroidY],
    radius: row.radius,
    label: row.label,
    class_id: row.classId,
    score: row.score,
  };
}

export function toDetectionList(rows: AnyObjectRow[]): z.infer<typeof DetectionListSchema> {
  const detections = rows.map(toDetection);
  return { count: detections.length, detections };
}

export function toObjectSummary(row: AnyObjectRow): z.infer<typeof ObjectSummarySchema> {
  return { object_id: row.id, bbox: bboxOf(row), label: row.label, score: row.score };
}

export function toImage({ image, run, objectCount }: ImageWithRun): z.infer<typeof ImageSchema> {
  return {
    image_id: image.id,
    filename: image.filename,
    content_type: image.contentType,
    width: image.width,
    height: image.height,
    size_bytes: image.sizeBytes,
    created_at: new Date(image.createdAt).toISOString(),
    status: image.status,
    error: image.error,
    model: modelRef(run),
    object_count: objectCount,
    source_url: image.sourceUrl,
  };
}

function modelRef(run: DetectionRunRow | null): z.infer<typeof ModelRefSchema> {
  return run ? { name: run.modelName, version: run.modelVersion } : null;
}
