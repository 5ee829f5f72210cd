import { randomUUID } from 'node:crypto';
import { decodeInferResponse, encodeInferRequest } from '@detection/backend/inference/codec';
import type { DetectionResponse, Detector, DetectorEndpoint } from './detector.js';
import { DetectorError } from './detector.js';
import { fetchWithRetry } from './retrying-fetch.js';

export interface RequestOptions {
  minScore: number;
  deadlineMs: number;
  requestTimeoutMs: number;
}

/** Open Inference Protocol `POST /v2/models/{model}/infer` with the image as a binary BYTES tensor. */
export class ModelServerDetector implements Detector {
  readonly endpoint: DetectorEndpoint;

  constructor(
    url: string,
    model: string,
    private readonly options: RequestOptions,
  ) {
    this.endpoint = { kind: 'model-server', url, model };
  }

  async detect(image: Uint8Array): Promise<DetectionResponse> {
    const { body, headerLength } = encodeInferRequest(randomUUID(), image, {
      score_threshold: this.options.minScore,
    });
    const response = await fetchWithRetry(
      `${this.endpoint.url}/v2/models/${encodeURIComponent(this.endpoint.model)}/infer`,
      () => ({
        method: 'POST',
        headers: {
          'content-type': 'application/octet-stream',
          'inference-header-content-length': String(headerLength),
        },
        body: new Uint8Array(body),
      }),
      this.options,
    );
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (!response.ok) {
      throw new DetectorError(
        `model server answered ${response.status}: ${Buffer.from(bytes).toString('utf8').slice(0, 300)}`,
      );
    }
    const header = response.headers.get('inference-header-content-length');
    const decoded = decodeInferResponse(bytes, header === null ? null : Number(header));
    return {
      modelVersion: decoded.modelVersion,
      detections: decoded.detections.map((d) => ({ box: d.box, score: d.score, label: d.label })),
    };
  }
}
