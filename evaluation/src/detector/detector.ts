/** A detection as the served model reports it: corners in original image pixels. */
export interface Detection {
  box: [number, number, number, number];
  score: number;
  label: string;
}

export type EndpointKind = 'model-server' | 'backend';

export interface DetectorEndpoint {
  kind: EndpointKind;
  url: string;
  model: string;
}

export interface DetectionResponse {
  detections: Detection[];
  modelVersion: string | null;
}

/** Sends one encoded image to a served model and returns everything it found at or above `minScore`. */
export interface Detector {
  readonly endpoint: DetectorEndpoint;
  detect(image: Uint8Array, fileName: string): Promise<DetectionResponse>;
}

/** The endpoint answered, but not with detections (bad status, unusable body). Not retried. */
export class DetectorError extends Error {
  override name = 'DetectorError';
}
