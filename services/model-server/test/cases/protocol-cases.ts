/**
 * The Open Inference Protocol's behaviour, whatever the transport: health, metadata, readiness, inference on the
 * detection and raw-tensor models, refusals, and the model repository. Registered once per transport by
 * transports.test.ts against one server with the real CenterNet and BlazeFace models.
 */
import { readFile } from 'node:fs/promises';
import { readShippedPhoto } from '@detection/test-data';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeCenternetRows } from '../../src/detection/centernet.js';
import { suppressOverlaps } from '../../src/detection/nms.js';
import { toImageCoordinates } from '../../src/detection/to-image-coordinates.js';
import { imageToTensor } from '../../src/image/image-to-tensor.js';
import {
  type ClientInferRequest,
  type ClientInferResponse,
  type ErrorKind,
  type OipClient,
  OipError,
} from '../support/oip-clients.js';
import { FACE_IMAGE } from '../support/repository-files.js';

/** The detections of a response as rows. */
export function detectionsOf(response: ClientInferResponse) {
  const output = (name: string) => response.outputs.find((candidate) => candidate.name === name);
  const rows = (values: Array<number | string>, width: number) =>
    Array.from(
      { length: values.length / width },
      (_, i) => values.slice(i * width, i * width + width) as number[],
    );
  const keypoints = output('keypoints');
  return {
    boxes: rows(output('boxes')?.data ?? [], 4),
    scores: (output('scores')?.data ?? []) as number[],
    classIds: (output('class_ids')?.data ?? []) as number[],
    labels: (output('labels')?.data ?? []) as string[],
    ...(keypoints && {
      keypoints: rows(keypoints.data, keypoints.shape[1]! * 2).map((row) => rows(row, 2)),
    }),
    imageWidth: response.parameters.image_width,
    imageHeight: response.parameters.image_height,
  };
}

export const imageRequest = (
  image: Uint8Array,
  more: Omit<ClientInferRequest, 'inputs'> = {},
): ClientInferRequest => ({
  ...more,
  inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [image] }],
});

/** The OipError an operation fails with, of the expected kind and message. */
export async function expectFailure(
  operation: Promise<unknown>,
  kind: ErrorKind,
  message?: RegExp,
): Promise<OipError> {
  const error = await operation.then(
    () => {
      throw new Error(`expected a ${kind} error, the call succeeded`);
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OipError);
  const failure = error as OipError;
  expect(failure.kind, failure.message).toBe(kind);
  if (message) expect(failure.message).toMatch(message);
  return failure;
}

export function protocolCases(client: () => OipClient): void {
  let photo: Uint8Array;
  let face: Uint8Array;
  beforeAll(async () => {
    photo = new Uint8Array(readShippedPhoto('000000000086.jpg'));
    face = new Uint8Array(
      await sharp(await readFile(FACE_IMAGE))
        .extract({ left: 8, top: 345, width: 150, height: 150 })
        .png()
        .toBuffer(),
    );
  });

  describe('health and server metadata', () => {
    it('Should be live and ready once every model has loaded and warmed up', async () => {
      expect(await client().live()).toBe(true);
      expect(await client().ready()).toBe(true);
    });

    it('Should describe the server and the extensions it implements', async () => {
      expect(await client().serverMetadata()).toEqual({
        name: 'detection-model-server',
        version: expect.any(String),
        extensions: ['binary_tensor_data', 'model_repository'],
      });
    });
  });

  describe('model metadata and readiness', () => {
    it.each([undefined, '1'])(
      'Should describe the CenterNet detection model (version %s)',
      async (version) => {
        expect(await client().modelMetadata('centernet-coco', version)).toEqual({
          name: 'centernet-coco',
          versions: ['1'],
          platform: 'onnx_onnxv1',
          inputs: [{ name: 'image', datatype: 'BYTES', shape: [1] }],
          outputs: [
            { name: 'boxes', datatype: 'FP32', shape: [-1, 4] },
            { name: 'scores', datatype: 'FP32', shape: [-1] },
            { name: 'class_ids', datatype: 'INT32', shape: [-1] },
            { name: 'labels', datatype: 'BYTES', shape: [-1] },
          ],
          properties: {
            task: 'object-detection',
            postprocessing: 'centernet',
            classes: '80',
            default_nms: 'class_agnostic',
            raw_tensor_model: 'centernet-coco-raw',
          },
        });
      },
    );

    it('Should describe BlazeFace with its keypoints and the raw-tensor models with the ONNX tensors', async () => {
      const blazeface = await client().modelMetadata('blazeface');
      expect(blazeface.outputs.at(-1)).toEqual({ name: 'keypoints', datatype: 'FP32', shape: [-1, 6, 2] });
      expect(blazeface.properties.keypoint_names).toBe(
        'right_eye,left_eye,nose_tip,mouth_center,right_ear_tragion,left_ear_tragion',
      );
      const raw = await client().modelMetadata('centernet-coco-raw');
      expect(raw.inputs).toEqual([{ name: 'tower_0/images', datatype: 'FP32', shape: [-1, 512, 512, 3] }]);
      expect(raw.outputs.map((output) => output.name)).toEqual([
        'tower_0/wh',
        'tower_0/keypoints',
        'tower_0/detections',
      ]);
      expect(raw.properties).toEqual({ task: 'raw-tensors', detection_model: 'centernet-coco' });
    });

    it.each([
      ['blazeface', undefined],
      ['blazeface', '1'],
      ['blazeface-raw', undefined],
    ])('Should report %s (version %s) ready', async (name, version) => {
      expect(await client().modelReady(name, version)).toBe(true);
    });

    it.each([
      ['metadata of an unknown model', (c: OipClient) => c.modelMetadata('nope'), /unknown model "nope"/],
      ['readiness of an unknown model', (c: OipClient) => c.modelReady('nope'), /unknown model "nope"/],
      [
        'metadata of an unknown version',
        (c: OipClient) => c.modelMetadata('centernet-coco', '2'),
        /has no version "2" \(loaded: 1\)/,
      ],
      [
        'readiness of an unknown version',
        (c: OipClient) => c.modelReady('centernet-coco', '2'),
        /has no version "2"/,
      ],
      [
        'a version that is not a number',
        (c: OipClient) => c.modelMetadata('centernet-coco', 'latest'),
        /has no version "latest"/,
      ],
    ])('Should refuse %s as not found', async (_, operation, message) => {
      await expectFailure(operation(client()), 'not_found', message);
    });
  });

  describe('inference on a detection model', () => {
    it.each([true, false])(
      'Should detect objects (binary tensors: %s) and echo the request id',
      async (binary) => {
        const response = await client().infer(
          'centernet-coco',
          imageRequest(photo, {
            id: 'req-1',
            binary,
            parameters: { score_threshold: 0.3, iou_threshold: 0.45, max_detections: 100 },
            outputs: [{ name: 'boxes' }, { name: 'scores' }, { name: 'class_ids' }, { name: 'labels' }],
          }),
        );
        expect(response).toMatchObject({
          model_name: 'centernet-coco',
          model_version: '1',
          id: 'req-1',
          parameters: { image_width: 512, image_height: 640 },
        });
        const detections = detectionsOf(response);
        expect(detections.labels).toContain('person');
        expect(detections.scores.every((score) => score > 0.3)).toBe(true);
        expect([...detections.scores].sort((a, b) => b - a)).toEqual(detections.scores);
        for (const [x1, y1, x2, y2] of detections.boxes) {
          expect(0 <= x1! && x1! < x2! && x2! <= 512 && 0 <= y1! && y1! < y2! && y2! <= 640).toBe(true);
        }
        const count = detections.scores.length;
        expect(response.outputs.map((output) => output.shape)).toEqual([
          [count, 4],
          [count],
          [count],
          [count],
        ]);
      },
    );

    it('Should give the same detections for binary and non-binary requests', async () => {
      const binary = detectionsOf(
        await client().infer('centernet-coco', imageRequest(photo, { binary: true })),
      );
      const typed = detectionsOf(await client().infer('centernet-coco', imageRequest(photo)));
      expect(typed).toEqual(binary);
      expect(binary.labels.length).toBeGreaterThan(0);
    });

    it('Should apply score_threshold, max_detections, classes and nms', async () => {
      const infer = async (parameters: Record<string, string | number>) =>
        detectionsOf(await client().infer('centernet-coco', imageRequest(photo, { parameters })));
      const loose = await infer({ score_threshold: 0.05, max_detections: 100 });
      expect(loose.scores.length).toBeGreaterThan(3);
      expect((await infer({ score_threshold: 0.05, max_detections: 2 })).scores).toEqual(
        loose.scores.slice(0, 2),
      );
      const strict = await infer({ score_threshold: 0.5 });
      expect(strict.scores.every((score) => score > 0.5)).toBe(true);
      expect(strict.scores.length).toBeLessThan(loose.scores.length);
      const aware = await infer({ score_threshold: 0.05, nms: 'class_aware' });
      expect(aware.scores.length).toBeGreaterThanOrEqual(loose.scores.length);
      const people = await infer({ score_threshold: 0.05, classes: 'person,motorcycle' });
      expect(new Set(people.labels)).toEqual(new Set(['person', 'motorcycle']));
    });

    it('Should find a face with BlazeFace and return 6 keypoints per face', async () => {
      const detections = detectionsOf(
        await client().infer('blazeface', imageRequest(face, { parameters: { score_threshold: 0.5 } })),
      );
      expect(detections.labels).toEqual(['face']);
      expect(detections.keypoints?.[0]).toHaveLength(6);
    });

    it('Should echo no id when the request has none', async () => {
      expect((await client().infer('blazeface', imageRequest(face))).id ?? undefined).toBeUndefined();
    });
  });

  describe('raw tensor inference', () => {
    it('Should run the ONNX graph on its own input tensor and agree with the detection pipeline', async () => {
      const tensor = await imageToTensor(
        photo,
        {
          width: 512,
          height: 512,
          layout: 'NHWC',
          color_order: 'RGB',
          value_range: [0, 255],
          resize: 'stretch',
          pad_value: 114,
          interpolation: 'bilinear',
        },
        { maxPixels: 1e8 },
      );
      const response = await client().infer('centernet-coco-raw', {
        binary: true,
        inputs: [{ name: 'tower_0/images', datatype: 'FP32', shape: [1, 512, 512, 3], data: tensor.data }],
        outputs: [{ name: 'tower_0/detections' }],
      });
      expect(response).toMatchObject({ model_name: 'centernet-coco-raw', model_version: '1' });
      expect(response.outputs).toHaveLength(1);
      expect(response.outputs[0]).toMatchObject({
        name: 'tower_0/detections',
        datatype: 'FP32',
        shape: [1, 100, 6],
      });
      const rows = Float32Array.from(response.outputs[0]!.data as number[]);
      const kept = suppressOverlaps(
        decodeCenternetRows(rows, 80, 0.2, null),
        'class_agnostic',
        0.4,
        0.2,
        100,
      );
      const expected = toImageCoordinates(kept, tensor.plan, tensor.imageWidth, tensor.imageHeight);
      const detections = detectionsOf(await client().infer('centernet-coco', imageRequest(photo)));
      expect(detections.classIds).toEqual(expected.map((d) => d.classId));
      expect(detections.boxes.flat()).toEqual(
        expected.flatMap((d) => [d.x1, d.y1, d.x2, d.y2].map(Math.fround)),
      );
    });

    it('Should take typed (non-binary) contents for a raw model', async () => {
      const response = await client().infer('blazeface-raw', {
        id: 'raw',
        inputs: [
          { name: 'input', datatype: 'FP32', shape: [1, 256, 256, 3], data: new Float32Array(256 * 256 * 3) },
        ],
        outputs: [{ name: 'Identity' }],
      });
      expect(response.outputs[0]).toMatchObject({ name: 'Identity', datatype: 'FP32', shape: [1, 512, 1] });
      expect(response.outputs[0]!.data).toHaveLength(512);
    });

    it.each([
      [
        { name: 'input', datatype: 'FP32', shape: [1, 3], data: new Float32Array(3) },
        /must have shape \[-1, 256, 256, 3\]/,
      ],
      [{ name: 'input', datatype: 'INT32', shape: [1], data: new Int32Array(1) }, /must be FP32, got INT32/],
      [
        { name: 'pixels', datatype: 'FP32', shape: [1], data: new Float32Array(1) },
        /has no input "pixels"; its inputs: "input"/,
      ],
    ])('Should refuse a raw request that does not fit the graph: %o', async (input, message) => {
      await expectFailure(client().infer('blazeface-raw', { inputs: [input] }), 'invalid', message);
    });

    it('Should refuse an input given twice and unknown requested outputs', async () => {
      const input = {
        name: 'input',
        datatype: 'FP32',
        shape: [1, 256, 256, 3],
        data: new Float32Array(196608),
      };
      await expectFailure(
        client().infer('blazeface-raw', { inputs: [input, input] }),
        'invalid',
        /more than once/,
      );
      await expectFailure(
        client().infer('blazeface-raw', { binary: true, inputs: [input], outputs: [{ name: 'nope' }] }),
        'invalid',
        /has no output "nope"; its outputs: "Identity_3", "Identity", "Identity_1", "Identity_2"/,
      );
    });
  });

  describe('bad inference requests', () => {
    const text = new TextEncoder().encode('just text');
    it.each([
      [
        'wrong input name',
        () => ({ inputs: [{ name: 'img', datatype: 'BYTES', shape: [1], data: [photo] }] }),
        /has no input "img"; send the encoded image as input "image"/,
      ],
      [
        'wrong datatype',
        () => ({ inputs: [{ name: 'image', datatype: 'UINT8', shape: [1], data: new Uint8Array([1]) }] }),
        /must be BYTES, got UINT8/,
      ],
      [
        'wrong shape',
        () => ({ inputs: [{ name: 'image', datatype: 'BYTES', shape: [2], data: [photo, photo] }] }),
        /must have shape \[1\] \(one image\), got \[2\]/,
      ],
      [
        'more elements than the shape holds',
        () => ({ inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [photo, photo] }] }),
        /more than the 1 element\(s\) its shape holds|needs 1 elements, contents\.bytes_contents has 2/,
      ],
      [
        'two inputs',
        () => ({
          inputs: [
            { name: 'image', datatype: 'BYTES', shape: [1], data: [photo] },
            { name: 'x', datatype: 'FP32', shape: [1], data: new Float32Array(1) },
          ],
        }),
        /takes exactly one input/,
      ],
      ['text instead of an image', () => imageRequest(text), /not a JPEG, PNG or WebP/],
      ['a truncated JPEG', () => imageRequest(photo.subarray(0, photo.length / 3)), /cannot be decoded/],
      [
        'an unknown output',
        () => imageRequest(photo, { outputs: [{ name: 'masks' }] }),
        /has no output "masks"/,
      ],
      [
        'a bad parameter',
        () => imageRequest(photo, { parameters: { score_threshold: 2 } }),
        /"score_threshold" must be a number between 0 and 1/,
      ],
      [
        'an unknown class',
        () => imageRequest(photo, { parameters: { classes: 'unicorn' } }),
        /no class "unicorn"/,
      ],
    ] satisfies Array<[string, () => ClientInferRequest, RegExp]>)(
      'Should refuse %s as invalid',
      async (_, request, message) => {
        await expectFailure(client().infer('centernet-coco', request()), 'invalid', message);
      },
    );

    it.each([
      ['nope', undefined, /unknown model "nope"/],
      ['centernet-coco', '9', /has no version "9"/],
    ])('Should refuse inference on %s (version %s) as not found', async (model, version, message) => {
      await expectFailure(client().infer(model, imageRequest(photo), version), 'not_found', message);
    });
  });

  describe('model repository', () => {
    it('Should index the repository models with their state', async () => {
      expect(await client().repositoryIndex()).toEqual([
        { name: 'blazeface', version: '1', state: 'READY', reason: '' },
        { name: 'centernet-coco', version: '1', state: 'READY', reason: '' },
      ]);
    });

    it.each(['load', 'unload'] as const)(
      'Should refuse to %s a model the repository lacks',
      async (action) => {
        await expectFailure(client()[action]('nope'), 'not_found', /has no model "nope"/);
      },
    );

    it('Should unload a model (unavailable, not ready, not listed as ready) and load it again', async () => {
      await client().unload('blazeface');
      // Not served until loaded again: refused at once (404 / NOT_FOUND), not as a server that is starting.
      await expectFailure(
        client().infer('blazeface', imageRequest(face)),
        'not_found',
        /model blazeface is not loaded \(unloaded\); load it again to serve it/,
      );
      expect(await client().modelReady('blazeface-raw')).toBe(false);
      expect((await client().repositoryIndex(true)).map((entry) => entry.name)).toEqual(['centernet-coco']);
      expect(await client().ready()).toBe(true);
      await client().load('blazeface');
      expect(detectionsOf(await client().infer('blazeface', imageRequest(face))).labels).toEqual(['face']);
    });

    it('Should reload a loaded model without interrupting requests', async () => {
      const inflight = Array.from({ length: 4 }, () => client().infer('blazeface', imageRequest(face)));
      await client().load('blazeface');
      expect((await Promise.all(inflight)).map((response) => response.model_name)).toEqual(
        Array(4).fill('blazeface'),
      );
    });
  });
}
