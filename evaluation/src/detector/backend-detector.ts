import path from 'node:path';
import { DetectResponseSchema } from '@detection/backend/api-schemas';
import type { DetectionResponse, Detector, DetectorEndpoint } from './detector.js';
import { DetectorError } from './detector.js';
import type { RequestOptions } from './model-server-detector.js';
import { fetchWithRetry } from './retrying-fetch.js';

/** The backend's `POST /detect` (detect without storing), so the whole API path is measured. */
export class BackendDetector implements Detector {
  readonly endpoint: DetectorEndpoint;

  constructor(
    url: string,
    model: string,
    private readonly options: RequestOptions & { token?: string | undefined },
  ) {
    this.endpoint = { kind: 'backend', url, model };
  }

  async detect(image: Uint8Array, fileName: string): Promise<DetectionResponse> {
    const query = new URLSearchParams({
      model: this.endpoint.model,
      score_threshold: String(this.options.minScore),
    });
    const response = await fetchWithRetry(
      `${this.endpoint.url}/detect?${query}`,
      () => {
        const form = new FormData();
        form.set('file', new Blob([new Uint8Array(image)]), path.basename(fileName));
        return {
          method: 'POST',
          body: form,
          ...(this.options.token && { headers: { authorization: `Bearer ${this.options.token}` } }),
        };
      },
      this.options,
    );
    const text = await response.text();
    if (!response.ok) throw new DetectorError(`backend answered ${response.status}: ${text.slice(0, 300)}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new DetectorError(`backend answered ${response.status} with a body that is not JSON`);
    }
    const parsed = DetectResponseSchema.safeParse(body);
    if (!parsed.success)
      throw new DetectorError(`backend answered an unexpected body: ${parsed.error.message}`);
    return {
      modelVersion: parsed.data.model.version,
      detections: parsed.data.detection.detections.map((d) => ({
        box: d.bbox,
        score: d.score,
        label: d.label,
      })),
    };
  }
}
