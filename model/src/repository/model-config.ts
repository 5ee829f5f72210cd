import { z } from 'zod';

/** Open Inference Protocol tensor datatypes. */
export const tensorDatatypeSchema = z.enum([
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
]);
export type TensorDatatype = z.infer<typeof tensorDatatypeSchema>;

export const tensorSpecSchema = z.object({
  name: z.string().min(1),
  datatype: tensorDatatypeSchema,
  /** -1 marks a dimension that is only known at inference time. */
  shape: z.array(z.number().int().min(-1)),
});
export type TensorSpec = z.infer<typeof tensorSpecSchema>;

/** How an encoded image becomes the model's input tensor. */
export const imagePreprocessingSchema = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  layout: z.enum(['NHWC', 'NCHW']),
  color_order: z.enum(['RGB', 'BGR']),
  /** Pixel value 0 maps to the first number, 255 to the second (linearly). */
  value_range: z.tuple([z.number(), z.number()]),
  /** stretch: resize to width x height ignoring aspect ratio; letterbox: keep aspect ratio and pad. */
  resize: z.enum(['stretch', 'letterbox']),
  /** Fill of the letterbox bars, as a 0..255 pixel value. */
  pad_value: z.number().min(0).max(255).default(114),
  interpolation: z.enum(['bilinear', 'nearest', 'cubic']).default('bilinear'),
});
export type ImagePreprocessing = z.infer<typeof imagePreprocessingSchema>;

/** CenterNet with its decoding inside the graph: rows of [x1, y1, x2, y2, score, class] in input pixels. */
export const centernetPostprocessingSchema = z.object({
  type: z.literal('centernet'),
  detections: z.string(),
});

/** BlazeFace: per-anchor score logits and box/keypoint regressors for each feature-map stride. */
export const blazefacePostprocessingSchema = z.object({
  type: z.literal('blazeface'),
  heads: z
    .array(
      z.object({
        scores: z.string(),
        regressors: z.string(),
        stride: z.number().int().positive(),
        anchors_per_cell: z.number().int().positive(),
      }),
    )
    .min(1),
  keypoint_names: z.array(z.string()),
});

/**
 * YOLO detection head without NMS in the graph (Ultralytics exports). Per candidate box: v5
 * [cx, cy, w, h, objectness, class scores...]; v8 and v11 [cx, cy, w, h, class scores...].
 */
export const yoloPostprocessingSchema = z.object({
  type: z.literal('yolo'),
  version: z.enum(['v5', 'v8', 'v11']),
  output: z.string(),
  /**
   * boxes_first: [1, boxes, attributes] (v5 exports); attributes_first: [1, attributes, boxes] (v8 and
   * v11 exports). When omitted it is inferred from the output shape and the number of labels.
   */
  layout: z.enum(['boxes_first', 'attributes_first']).optional(),
  /** Box coordinates are fractions of the input size instead of input pixels. */
  normalized_coordinates: z.boolean().default(false),
  /** class_aware: suppress overlaps within each class only (Ultralytics' default); class_agnostic: across classes. */
  nms: z.enum(['class_aware', 'class_agnostic']).default('class_aware'),
});

export const postprocessingSchema = z.discriminatedUnion('type', [
  centernetPostprocessingSchema,
  blazefacePostprocessingSchema,
  yoloPostprocessingSchema,
]);
export type Postprocessing = z.infer<typeof postprocessingSchema>;

/** The model outputs a postprocessing step reads. */
export function postprocessingOutputs(post: Postprocessing): string[] {
  switch (post.type) {
    case 'centernet':
      return [post.detections];
    case 'yolo':
      return [post.output];
    case 'blazeface':
      return post.heads.flatMap((head) => [head.scores, head.regressors]);
  }
}

export const detectionDefaultsSchema = z.object({
  score_threshold: z.number().min(0).max(1),
  iou_threshold: z.number().min(0).max(1),
  max_detections: z.number().int().positive(),
});

export const modelSourceSchema = z.object({
  package: z.string(),
  version: z.string(),
  files: z.array(z.object({ path: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
  license: z.string(),
  origin: z.string(),
});

export const modelBuildSchema = z.object({
  converter: z.string(),
  converter_fingerprint: z.string(),
  opset: z.number().int(),
  onnx_sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/**
 * Triton's `dynamic_batching`: concurrent requests are run as one batch of up to `max_batch_size` once a
 * preferred size is reached, or once the oldest has waited `max_queue_delay_ms`.
 */
export const dynamicBatchingSchema = z.object({
  max_queue_delay_ms: z.number().min(0).max(1000).default(0),
  preferred_batch_sizes: z.array(z.number().int().min(1)).default([]),
});
export type DynamicBatching = z.infer<typeof dynamicBatchingSchema>;

/** `<repository>/<model>/config.json`: everything a server needs to serve `<model>/<version>/model.onnx`. */
export const modelConfigSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" and "-"'),
    platform: z.literal('onnx'),
    description: z.string().optional(),
    inputs: z.array(tensorSpecSchema).min(1),
    outputs: z.array(tensorSpecSchema).min(1),
    preprocessing: imagePreprocessingSchema.optional(),
    postprocessing: postprocessingSchema.optional(),
    labels: z.array(z.string()).optional(),
    defaults: detectionDefaultsSchema.optional(),
    /**
     * Triton's meaning: 0 or absent, the model takes no batch dimension the server may use; N ≥ 1, every input
     * and output has a leading batch dimension (-1 in `inputs`/`outputs`) that takes up to N items per run.
     */
    max_batch_size: z.number().int().min(0).optional(),
    dynamic_batching: dynamicBatchingSchema.optional(),
    source: modelSourceSchema.optional(),
    build: modelBuildSchema.optional(),
  })
  .superRefine((config, context) => {
    const batching = config.dynamic_batching;
    if (!batching) return;
    const max = config.max_batch_size ?? 0;
    if (max < 1)
      context.addIssue({
        code: 'custom',
        path: ['dynamic_batching'],
        message: 'needs max_batch_size of at least 1',
      });
    for (const size of batching.preferred_batch_sizes)
      if (size > max)
        context.addIssue({
          code: 'custom',
          path: ['dynamic_batching', 'preferred_batch_sizes'],
          message: `${size} is over max_batch_size ${max}`,
        });
  });
export type ModelConfig = z.infer<typeof modelConfigSchema>;
/** A config as written to disk, before defaults are applied. */
export type ModelConfigInput = z.input<typeof modelConfigSchema>;

export const MODEL_CONFIG_FILE = 'config.json';
export const MODEL_FILE = 'model.onnx';
/** The version folder `pnpm model:build` writes each model into. */
export const MODEL_VERSION = '1';
