import { exampleDeployment, exampleRollingOut } from '@detection/backend/deployment-examples';
import { describe, expect, it } from 'vitest';
import { UnexpectedResponseError } from './json-fields.js';
import {
  parseDeployment,
  parseDeploymentList,
  parseImagePage,
  parseImageRecord,
  parseModelList,
  parseObjectDetails,
} from './parse.js';

const detection = {
  object_id: '3f2b8c1e-6d0a-4f7e-9a51-2c7d9e8b1a40',
  bbox: [10, 20, 110, 220],
  centroid: [60, 120],
  radius: 111.8,
  label: 'person',
  class_id: 0,
  score: 0.91,
};

// The shapes below are the backend's documented responses (issue 4, services/backend/src/routes/schemas.ts).
const uploaded = {
  image_id: 'a'.repeat(64),
  filename: 'street.jpg',
  content_type: 'image/jpeg',
  width: 640,
  height: 480,
  size_bytes: 81234,
  created_at: '2026-01-10T12:00:00.000Z',
  status: 'completed',
  error: null,
  model: { name: 'centernet-coco', version: '1' },
  object_count: 1,
  source_url: null,
  detection: { count: 1, detections: [detection] },
};

describe('parseImageRecord', () => {
  it('reads an upload response with its detections', () => {
    const image = parseImageRecord(uploaded);
    expect(image).toMatchObject({
      image_id: 'a'.repeat(64),
      width: 640,
      height: 480,
      status: 'completed',
      model: { name: 'centernet-coco', version: '1' },
      object_count: 1,
    });
    expect(image.detections).toEqual([detection]);
  });

  it('reads a failed image from the list (no detections, an error, no model version)', () => {
    const { detection: _, ...listed } = uploaded;
    const image = parseImageRecord({
      ...listed,
      status: 'failed',
      error: 'model server unavailable',
      object_count: 0,
      model: { name: 'centernet-coco', version: null },
    });
    expect(image.detections).toBeNull();
    expect(image.error).toBe('model server unavailable');
    expect(image.model).toEqual({ name: 'centernet-coco', version: '' });
  });

  it('rejects a response that breaks the contract, naming the field', () => {
    expect(() => parseImageRecord({ ...uploaded, width: '640' })).toThrow(/image\.width/);
    expect(() =>
      parseImageRecord({
        ...uploaded,
        detection: { count: 1, detections: [{ ...detection, bbox: [1, 2, 3] }] },
      }),
    ).toThrow(UnexpectedResponseError);
  });
});

describe('parseImagePage', () => {
  it('reads images and the next cursor; an empty cursor means the last page', () => {
    const page = parseImagePage({ images: [uploaded], next_cursor: 'abc' });
    expect(page.images).toHaveLength(1);
    expect(page.next_cursor).toBe('abc');
    expect(parseImagePage({ images: [], next_cursor: null }).next_cursor).toBeNull();
  });
});

describe('parseObjectDetails', () => {
  it('needs centroid, radius and class id', () => {
    expect(parseObjectDetails(detection)).toEqual(detection);
    const { centroid: _, ...summary } = detection;
    expect(() => parseObjectDetails(summary)).toThrow(/centroid/);
  });
});

describe('parseModelList', () => {
  it('reads the default model and the repository index', () => {
    expect(
      parseModelList({
        default_model: 'centernet-coco',
        models: [
          { name: 'centernet-coco', version: '1', state: 'READY', reason: '' },
          { name: 'blazeface', version: null, state: 'UNAVAILABLE', reason: 'load failed' },
        ],
      }),
    ).toEqual({
      defaultModel: 'centernet-coco',
      models: [
        { name: 'centernet-coco', version: '1', state: 'READY', reason: '' },
        { name: 'blazeface', version: null, state: 'UNAVAILABLE', reason: 'load failed' },
      ],
    });
  });

  it('also takes the bare index array of the model server', () => {
    expect(parseModelList([{ name: 'm', version: '2', state: 'READY' }]).models[0]?.version).toBe('2');
  });
});

describe('parseDeploymentList', () => {
  it('reads the API’s own examples (the OpenAPI document’s) and refuses an unknown state', () => {
    const list = parseDeploymentList({
      target: 'local',
      deployments: [exampleDeployment, exampleRollingOut],
    });
    expect(list.deployments.map((d) => d.state)).toEqual(['ready', 'deploying']);
    expect(list.deployments[0]!.traffic).toEqual([
      { version: '1', percent: 80 },
      { version: '2', percent: 20 },
    ]);
    expect(list.deployments[1]!.versions.rolling_out).toBe('2');
    expect(() => parseDeployment({ ...exampleDeployment, state: 'sleeping' })).toThrow(/state/);
    expect(() => parseDeploymentList({ target: 'local' })).toThrow(/deployments/);
  });
});
