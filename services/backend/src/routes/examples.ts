/**
 * Examples for the OpenAPI document: real answers of this API (the smoke test's upload of samples/astronaut.jpg)
 * and, for each error status, the message the backend actually sends in that case.
 */
export const EXAMPLE_IMAGE_ID = '5665d8eea3c8310ddbcf67ba361f6ef7e6928847c67d142f1f7c05ce723ccb22';
export const EXAMPLE_OBJECT_ID = '6b819210-3c4e-4f7a-9d61-2a8e5b0c7d14';

export const exampleDetection = {
  object_id: EXAMPLE_OBJECT_ID,
  bbox: [9, 10, 368, 512],
  centroid: [188.5, 261],
  radius: 308.58,
  label: 'person',
  class_id: 0,
  score: 0.6186,
};

export const exampleImage = {
  image_id: EXAMPLE_IMAGE_ID,
  filename: 'astronaut.jpg',
  content_type: 'image/jpeg',
  width: 512,
  height: 512,
  size_bytes: 55996,
  created_at: '2026-01-15T10:42:07.412Z',
  status: 'completed',
  error: null,
  model: { name: 'centernet-coco', version: '1' },
  object_count: 1,
  source_url: null,
};

export const exampleImageWithDetections = {
  ...exampleImage,
  detection: { count: 1, detections: [exampleDetection] },
};

export const exampleDetectResult = {
  width: 512,
  height: 512,
  content_type: 'image/jpeg',
  model: { name: 'centernet-coco', version: '1' },
  detection: { count: 1, detections: [exampleDetection] },
};

export const exampleImageList = {
  images: [exampleImage],
  next_cursor: 'MTc2ODQ3Mzc2NzQxMjo1NjY1ZDhlZWEz',
  total: { count: 128, exact: true },
};

export const exampleLabelList = {
  labels: [
    { label: 'person', image_count: 96, object_count: 412 },
    { label: 'car', image_count: 31, object_count: 87 },
  ],
};

export const exampleObjectList = {
  image_id: EXAMPLE_IMAGE_ID,
  count: 1,
  objects: [{ object_id: EXAMPLE_OBJECT_ID, bbox: [9, 10, 368, 512], label: 'person', score: 0.6186 }],
};

export const exampleModelList = {
  default_model: 'centernet-coco',
  models: [
    { name: 'blazeface', version: '1', state: 'READY', reason: '' },
    { name: 'centernet-coco', version: '1', state: 'READY', reason: '' },
  ],
};

export const exampleHealth = { status: 'ok', version: '0.1.0', uptime_s: 3605 };

export const exampleReady = {
  status: 'ready',
  checks: {
    database: { status: 'ok' },
    storage: { status: 'ok', backend: 'fs' },
    model_server: { status: 'ready', url: 'http://127.0.0.1:9090', latency_ms: 4 },
  },
};

export const exampleNotReady = {
  status: 'not_ready',
  checks: {
    database: { status: 'ok' },
    storage: { status: 'error', backend: 's3', detail: 'connect ECONNREFUSED 127.0.0.1:9000' },
    model_server: {
      status: 'cold',
      url: 'http://detector-predictor.detection.svc',
      detail: 'scaled to zero',
    },
  },
};

const modelServer = 'model server at http://127.0.0.1:9090';

/** The messages the backend sends, per case (see the ApiError calls they come from). */
export const errorExamples = {
  invalidImageId: 'invalid param: image_id: must be the 64-character hex SHA-256 of the image',
  invalidObjectId: 'invalid param: object_id: must be a UUID',
  invalidQuery: 'invalid query: score_threshold: must be between 0 and 1',
  invalidListQuery: 'invalid query: limit: must be between 1 and 100',
  invalidObjectQuery: 'invalid query: min_score: must be between 0 and 1',
  badInput: 'the file is not an image: expected JPEG, PNG or WebP bytes',
  badImageUrl: 'invalid query: image_url: the query parameter "image_url" is missing',
  imageNotFound: `image ${EXAMPLE_IMAGE_ID} not found`,
  objectNotFound: `object ${EXAMPLE_OBJECT_ID} not found in image ${EXAMPLE_IMAGE_ID}`,
  tooLarge: 'the request body is larger than the 20971520-byte upload limit',
  unsupported: 'unsupported image format "gif": expected JPEG, PNG or WebP',
  unprocessable: 'cannot resolve host photos.example.invalid',
  modelRejected:
    'the model server could not process the image: model server answered 400: cannot decode image',
  duplicate: `this image was already uploaded as ${EXAMPLE_IMAGE_ID}`,
  badGateway: 'detection failed: model server answered 500: inference failed',
  unavailable: `detection failed: ${modelServer} is unavailable after 14 attempt(s) over 120012 ms: connect ECONNREFUSED 127.0.0.1:9090`,
  timeout: 'detection failed: model server did not answer within 30000 ms',
  modelsBadGateway: 'cannot list models: model server answered 500: repository index failed',
  modelsUnavailable: `cannot list models: ${modelServer} is unavailable after 1 attempt(s) over 3 ms: connect ECONNREFUSED 127.0.0.1:9090`,
  modelsTimeout: 'cannot list models: model server did not answer within 30000 ms',
  unauthorized: 'authentication required: send "Authorization: Bearer <token>"',
};
