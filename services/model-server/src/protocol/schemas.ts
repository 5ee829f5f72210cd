import { tensorDatatypeSchema } from '@detection/model/config';
import { z } from '@hono/zod-openapi';

/** Open Inference Protocol REST objects (inference_rest.md, open_inference_rest.yaml) and Triton's extensions. */

export const ErrorResponse = z
  .object({ error: z.string().openapi({ example: 'unknown model "nope"' }) })
  .openapi('ErrorResponse');

export const LiveResponse = z.object({ live: z.boolean() }).openapi('ServerLiveResponse');
export const ReadyResponse = z.object({ ready: z.boolean() }).openapi('ServerReadyResponse');
export const ModelReadyResponse = z
  .object({ name: z.string(), ready: z.boolean() })
  .openapi('ModelReadyResponse');

export const ServerMetadataResponse = z
  .object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) })
  .openapi('ServerMetadataResponse');

const Datatype = tensorDatatypeSchema;

const MetadataTensor = z
  .object({ name: z.string(), datatype: Datatype, shape: z.array(z.number().int()) })
  .openapi('MetadataTensor');

export const ModelMetadataResponse = z
  .object({
    name: z.string(),
    versions: z.array(z.string()),
    platform: z.string(),
    inputs: z.array(MetadataTensor),
    outputs: z.array(MetadataTensor),
    properties: z.record(z.string(), z.string()).optional(),
  })
  .openapi('ModelMetadataResponse');

const ParameterValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);
const Parameters = z.record(z.string(), ParameterValue).openapi('Parameters', {
  description:
    'Name/value pairs. Detection models read score_threshold, iou_threshold, max_detections, classes (list or comma-separated labels) and nms ("class_aware" | "class_agnostic"); binary_data_output asks for binary outputs.',
});

const TensorData = z.array(z.unknown()).openapi('TensorData', {
  description: 'Row-major tensor contents, flat or nested. BYTES elements are strings (base64 for images).',
});

const RequestInput = z
  .object({
    name: z.string().min(1),
    shape: z.array(z.number().int().min(0)),
    datatype: Datatype,
    parameters: Parameters.optional(),
    data: TensorData.optional(),
  })
  .openapi('RequestInput');

const RequestOutput = z
  .object({ name: z.string().min(1), parameters: Parameters.optional() })
  .openapi('RequestOutput');

export const InferenceRequest = z
  .object({
    id: z.string().optional(),
    parameters: Parameters.optional(),
    inputs: z.array(RequestInput).min(1),
    outputs: z.array(RequestOutput).optional(),
  })
  .openapi('InferenceRequest');

const ResponseOutput = z
  .object({
    name: z.string(),
    shape: z.array(z.number().int()),
    datatype: Datatype,
    parameters: Parameters.optional(),
    data: TensorData.optional(),
  })
  .openapi('ResponseOutput');

export const InferenceResponse = z
  .object({
    model_name: z.string(),
    model_version: z.string(),
    id: z.string().optional(),
    parameters: Parameters.optional(),
    outputs: z.array(ResponseOutput),
  })
  .openapi('InferenceResponse');

export const RepositoryIndexRequest = z
  .object({ ready: z.boolean().optional() })
  .openapi('RepositoryIndexRequest');

export const RepositoryIndexResponse = z
  .array(
    z.object({
      name: z.string(),
      version: z.string().optional(),
      state: z.enum(['LOADING', 'READY', 'UNLOADING', 'UNAVAILABLE']),
      reason: z.string(),
    }),
  )
  .openapi('RepositoryIndexResponse');

export const RepositoryLoadRequest = z
  .object({ parameters: Parameters.optional() })
  .openapi('RepositoryLoadRequest');

export const RepositoryLoadResponse = z
  .object({ name: z.string(), load: z.literal(true) })
  .openapi('RepositoryLoadResponse');

export const RepositoryUnloadResponse = z
  .object({ name: z.string(), unload: z.literal(true) })
  .openapi('RepositoryUnloadResponse');
