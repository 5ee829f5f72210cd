import { createRoute, z } from '@hono/zod-openapi';
import {
  ErrorResponse,
  InferenceResponse,
  LiveResponse,
  ModelMetadataResponse,
  ModelReadyResponse,
  ReadyResponse,
  RepositoryIndexResponse,
  RepositoryLoadResponse,
  RepositoryUnloadResponse,
  ServerMetadataResponse,
} from './schemas.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
const error = (description: string) => json(ErrorResponse, description);

const ModelParams = z.object({
  name: z
    .string()
    .min(1)
    .openapi({ param: { name: 'name', in: 'path' }, example: 'centernet-coco' }),
});
const VersionedModelParams = ModelParams.extend({
  version: z
    .string()
    .min(1)
    .openapi({ param: { name: 'version', in: 'path' }, example: '1' }),
});

export const serverLiveRoute = createRoute({
  method: 'get',
  path: '/v2/health/live',
  summary: 'Server live',
  responses: {
    200: json(LiveResponse, 'The server can answer requests'),
    503: error('A model session died and could not be reloaded: restart the server'),
  },
});

export const serverReadyRoute = createRoute({
  method: 'get',
  path: '/v2/health/ready',
  summary: 'Server ready: the startup load finished and the models that loaded serve',
  responses: {
    200: json(ReadyResponse, 'Ready'),
    503: error('Not ready yet (models loading), or shutting down'),
  },
});

export const serverMetadataRoute = createRoute({
  method: 'get',
  path: '/v2',
  summary: 'Server metadata',
  responses: { 200: json(ServerMetadataResponse, 'Name, version and implemented extensions') },
});

export const serverMetadataSlashRoute = { ...serverMetadataRoute, path: '/v2/' };

const modelErrors = {
  404: error('Unknown model or version'),
  503: error('The model is not ready'),
};

export const modelMetadataRoute = createRoute({
  method: 'get',
  path: '/v2/models/{name}',
  summary: 'Model metadata (highest loaded version)',
  request: { params: ModelParams },
  responses: { 200: json(ModelMetadataResponse, 'Inputs, outputs, versions, platform'), ...modelErrors },
});

export const versionedModelMetadataRoute = createRoute({
  method: 'get',
  path: '/v2/models/{name}/versions/{version}',
  summary: 'Model metadata of one version',
  request: { params: VersionedModelParams },
  responses: { 200: json(ModelMetadataResponse, 'Inputs, outputs, versions, platform'), ...modelErrors },
});

export const modelReadyRoute = createRoute({
  method: 'get',
  path: '/v2/models/{name}/ready',
  summary: 'Model ready',
  request: { params: ModelParams },
  responses: { 200: json(ModelReadyResponse, 'The model is ready'), ...modelErrors },
});

export const versionedModelReadyRoute = createRoute({
  method: 'get',
  path: '/v2/models/{name}/versions/{version}/ready',
  summary: 'Model version ready',
  request: { params: VersionedModelParams },
  responses: { 200: json(ModelReadyResponse, 'The model version is ready'), ...modelErrors },
});

const inferBody = {
  description:
    'An inference request: JSON, or (binary tensor data extension) its JSON header followed by binary tensors, with the header length in Inference-Header-Content-Length (0 = the body is the only input, e.g. an encoded image).',
  content: {
    'application/json': { schema: { $ref: '#/components/schemas/InferenceRequest' } },
    'application/octet-stream': { schema: { type: 'string' as const, format: 'binary' } },
  },
};

const inferResponses = {
  200: {
    description:
      'Outputs as JSON; with binary outputs, the JSON header then binary tensors (Inference-Header-Content-Length gives the header length)',
    content: {
      'application/json': { schema: InferenceResponse },
      'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) },
    },
  },
  400: error('Malformed request: JSON, datatype, shape, element count, parameter or undecodable image'),
  404: error('Unknown model or version'),
  413: error('Request body or image over the configured limit'),
  500: error('The model failed on a valid request'),
  503: error('The model is not ready or its queue is full'),
};

const InferHeaders = z.object({
  'inference-header-content-length': z.string().optional().openapi({
    description:
      'Byte length of the JSON header when binary tensors follow it (Triton binary tensor data extension)',
  }),
});

export const inferRoute = createRoute({
  method: 'post',
  path: '/v2/models/{name}/infer',
  summary: 'Inference (highest loaded version)',
  request: { params: ModelParams, headers: InferHeaders, body: inferBody },
  responses: inferResponses,
});

export const versionedInferRoute = createRoute({
  method: 'post',
  path: '/v2/models/{name}/versions/{version}/infer',
  summary: 'Inference with one version',
  request: { params: VersionedModelParams, headers: InferHeaders, body: inferBody },
  responses: inferResponses,
});

export const repositoryIndexRoute = createRoute({
  method: 'post',
  path: '/v2/repository/index',
  summary: 'Models in the repository and their state (model repository extension)',
  request: {
    body: {
      content: { 'application/json': { schema: { $ref: '#/components/schemas/RepositoryIndexRequest' } } },
    },
  },
  responses: {
    200: json(
      RepositoryIndexResponse,
      'One entry per version of every model in the repository (loaded or not), with its state; a model folder without a loadable version is one entry without a version',
    ),
    400: error('Malformed body'),
  },
});

export const repositoryLoadRoute = createRoute({
  method: 'post',
  path: '/v2/repository/models/{name}/load',
  summary: 'Load or reload a model from the repository',
  request: {
    params: ModelParams,
    body: {
      content: { 'application/json': { schema: { $ref: '#/components/schemas/RepositoryLoadRequest' } } },
    },
  },
  responses: {
    200: json(RepositoryLoadResponse, 'Loaded and warmed up'),
    400: error('Malformed body, or the model failed to load'),
    404: error('No such model in the repository'),
    503: error('The server is shutting down'),
  },
});

export const repositoryUnloadRoute = createRoute({
  method: 'post',
  path: '/v2/repository/models/{name}/unload',
  summary: 'Unload a model',
  request: {
    params: ModelParams,
    body: {
      content: { 'application/json': { schema: { $ref: '#/components/schemas/RepositoryLoadRequest' } } },
    },
  },
  responses: {
    200: json(RepositoryUnloadResponse, 'Unloaded'),
    400: error('Malformed body'),
    404: error('Unknown model'),
  },
});
