import { OpenAPIHono } from '@hono/zod-openapi';
import type { DataPlane } from '../dataplane.js';
import { InvalidInputError, ModelNotReadyError } from '../errors.js';
import { IMAGE_INPUT } from '../models/detection-model.js';
import { decodeInferRequest, encodeInferResponse, HEADER_LENGTH_HEADER } from './infer-codec.js';
import { readBody, readOptionalJsonObject } from './read-body.js';
import {
  inferRoute,
  modelMetadataRoute,
  modelReadyRoute,
  repositoryIndexRoute,
  repositoryLoadRoute,
  repositoryUnloadRoute,
  serverLiveRoute,
  serverMetadataRoute,
  serverMetadataSlashRoute,
  serverReadyRoute,
  versionedInferRoute,
  versionedModelMetadataRoute,
  versionedModelReadyRoute,
} from './routes.js';
import { InferenceRequest, RepositoryIndexRequest, RepositoryLoadRequest } from './schemas.js';

/** @hono/node-server passes Node's request as `env.incoming`; `app.request()` in tests passes nothing. */
const incomingOf = (env: unknown): unknown => (env as { incoming?: unknown } | undefined)?.incoming;

export interface V2ApiOptions {
  dataplane: DataPlane;
  maxRequestBytes: number;
}

/** Open Inference Protocol v2 REST routes, plus Triton's model-repository extension, over the data plane. */
export function createV2Api({ dataplane, maxRequestBytes }: V2ApiOptions): OpenAPIHono {
  const api = new OpenAPIHono();
  for (const [name, schema] of [
    ['InferenceRequest', InferenceRequest],
    ['RepositoryIndexRequest', RepositoryIndexRequest],
    ['RepositoryLoadRequest', RepositoryLoadRequest],
  ] as const) {
    api.openAPIRegistry.register(name, schema);
  }

  api.openapi(serverLiveRoute, (c) => {
    const { live, reason } = dataplane.live();
    if (!live) throw new ModelNotReadyError(`not live: ${reason}`);
    return c.json({ live: true }, 200);
  });

  api.openapi(serverReadyRoute, (c) => {
    const { ready, reason } = dataplane.ready();
    if (!ready) throw new ModelNotReadyError(`not ready: ${reason}`);
    return c.json({ ready: true }, 200);
  });

  api.openapi(serverMetadataRoute, (c) => c.json(dataplane.serverMetadata(), 200));
  api.openapi(serverMetadataSlashRoute, (c) => c.json(dataplane.serverMetadata(), 200));

  api.openapi(modelMetadataRoute, (c) => c.json(dataplane.modelMetadata(c.req.valid('param').name), 200));
  api.openapi(versionedModelMetadataRoute, (c) => {
    const { name, version } = c.req.valid('param');
    return c.json(dataplane.modelMetadata(name, version), 200);
  });

  api.openapi(modelReadyRoute, (c) => {
    const { name } = c.req.valid('param');
    return c.json({ name, ready: dataplane.modelReady(name) }, 200);
  });
  api.openapi(versionedModelReadyRoute, (c) => {
    const { name, version } = c.req.valid('param');
    return c.json({ name, ready: dataplane.modelReady(name, version) }, 200);
  });

  const infer = async (request: Request, incoming: unknown, name: string, version: string | undefined) => {
    const model = dataplane.model(name, version);
    const body = await readBody(request, maxRequestBytes, incoming);
    const detection = model.kind === 'detection';
    const { request: inferRequest, binaryOutputsByDefault } = decodeInferRequest(
      body,
      request.headers.get(HEADER_LENGTH_HEADER) ?? undefined,
      request.headers.get('content-type') ?? undefined,
      {
        inputs: model.inputs,
        // JSON cannot carry raw bytes: a detection model's encoded image travels as base64.
        defaultBytesEncoding: (input) => (detection && input === IMAGE_INPUT ? 'base64' : 'utf8'),
      },
    );
    const response = await dataplane.infer(name, version, inferRequest);
    const encoded = encodeInferResponse(response, inferRequest, binaryOutputsByDefault);
    const headers: Record<string, string> = { 'content-type': encoded.contentType };
    if (encoded.headerLength !== undefined) headers[HEADER_LENGTH_HEADER] = String(encoded.headerLength);
    return new Response(encoded.body, { status: 200, headers });
  };

  api.openapi(inferRoute, (c) => infer(c.req.raw, incomingOf(c.env), c.req.valid('param').name, undefined));
  api.openapi(versionedInferRoute, (c) => {
    const { name, version } = c.req.valid('param');
    return infer(c.req.raw, incomingOf(c.env), name, version);
  });

  api.openapi(repositoryIndexRoute, async (c) => {
    const body = RepositoryIndexRequest.safeParse(await readOptionalJsonObject(c.req.raw, maxRequestBytes));
    if (!body.success) throw new InvalidInputError('"ready" must be true or false');
    return c.json(await dataplane.repositoryIndex(body.data.ready ?? false), 200);
  });

  api.openapi(repositoryLoadRoute, async (c) => {
    const { name } = c.req.valid('param');
    const body = RepositoryLoadRequest.safeParse(await readOptionalJsonObject(c.req.raw, maxRequestBytes));
    if (!body.success) throw new InvalidInputError('"parameters" must be an object of parameters');
    const overrides = Object.keys(body.data.parameters ?? {}).filter(
      (key) => key === 'config' || key.startsWith('file:'),
    );
    if (overrides.length > 0) {
      throw new InvalidInputError(
        `load parameters ${overrides.map((key) => `"${key}"`).join(', ')} are not supported: models load from the repository`,
      );
    }
    await dataplane.loadModel(name);
    return c.json({ name, load: true as const }, 200);
  });

  api.openapi(repositoryUnloadRoute, async (c) => {
    const { name } = c.req.valid('param');
    const body = RepositoryLoadRequest.safeParse(await readOptionalJsonObject(c.req.raw, maxRequestBytes));
    if (!body.success) throw new InvalidInputError('"parameters" must be an object of parameters');
    await dataplane.unloadModel(name);
    return c.json({ name, unload: true as const }, 200);
  });

  return api;
}
