import { BackendDetector } from './backend-detector.js';
import type { Detector } from './detector.js';
import { DetectorError } from './detector.js';
import { ModelServerDetector, type RequestOptions } from './model-server-detector.js';
import { fetchWithRetry } from './retrying-fetch.js';

async function jsonOrNull(url: string, options: RequestOptions): Promise<unknown> {
  const response = await fetchWithRetry(url, () => ({ headers: { accept: 'application/json' } }), options);
  if (!response.ok || !response.headers.get('content-type')?.includes('json')) return null;
  return response.json().catch(() => null);
}

/**
 * Finds out what `url` is: a model server answers `GET /v2` with its Open Inference Protocol metadata; the backend
 * publishes `/detect` in `/openapi.json`. Then checks that the model is there and ready.
 */
export async function connectDetector(
  url: string,
  model: string,
  options: RequestOptions & { token?: string | undefined },
): Promise<Detector> {
  const base = url.replace(/\/+$/, '');
  const serverMetadata = (await jsonOrNull(`${base}/v2`, options)) as { extensions?: unknown } | null;
  if (serverMetadata && Array.isArray(serverMetadata.extensions)) {
    const ready = await fetchWithRetry(
      `${base}/v2/models/${encodeURIComponent(model)}/ready`,
      () => ({}),
      options,
    );
    if (ready.status === 404)
      throw new DetectorError(
        `the model server at ${base} has no model "${model}" (see POST ${base}/v2/repository/index)`,
      );
    if (!ready.ok) throw new DetectorError(`model "${model}" at ${base} is not ready (HTTP ${ready.status})`);
    return new ModelServerDetector(base, model, options);
  }
  const openapi = (await jsonOrNull(`${base}/openapi.json`, options)) as {
    paths?: Record<string, unknown>;
  } | null;
  if (openapi?.paths && '/detect' in openapi.paths) return new BackendDetector(base, model, options);
  throw new DetectorError(
    `${base} is neither a model server (no Open Inference Protocol metadata at /v2) nor the backend (no /detect in /openapi.json)`,
  );
}
