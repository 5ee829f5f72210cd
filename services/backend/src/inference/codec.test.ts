import { describe, expect, it } from 'vitest';
import { decodeInferResponse, encodeInferRequest } from './codec.js';

const jsonResponse = {
  model_name: 'centernet-coco',
  model_version: '1',
  id: 'req-1',
  parameters: { image_width: 640, image_height: 480 },
  outputs: [
    { name: 'boxes', datatype: 'FP32', shape: [2, 4], data: [10.5, 20.25, 110, 220, 300, 40, 420.75, 200] },
    { name: 'scores', datatype: 'FP32', shape: [2], data: [0.91, 0.47] },
    { name: 'class_ids', datatype: 'INT32', shape: [2], data: [0, 16] },
    { name: 'labels', datatype: 'BYTES', shape: [2], data: ['person', 'dog'] },
  ],
};

const expectedDetections = [
  { box: [10.5, 20.25, 110, 220], score: 0.91, classId: 0, label: 'person' },
  { box: [300, 40, 420.75, 200], score: 0.47, classId: 16, label: 'dog' },
];

describe('encodeInferRequest', () => {
  it('Should lay out the JSON header, then a little-endian length and the image bytes', () => {
    const image = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    const { body, headerLength } = encodeInferRequest('req-1', image, { score_threshold: 0.3 });
    const header = JSON.parse(body.subarray(0, headerLength).toString('utf8'));
    expect(header).toEqual({
      id: 'req-1',
      inputs: [
        { name: 'image', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: 4 + image.length } },
      ],
      parameters: { score_threshold: 0.3 },
      outputs: [{ name: 'boxes' }, { name: 'scores' }, { name: 'class_ids' }, { name: 'labels' }],
    });
    expect(body.readUInt32LE(headerLength)).toBe(image.length);
    expect([...body.subarray(headerLength + 4)]).toEqual([...image]);
    expect(body.length).toBe(headerLength + 4 + image.length);
  });
});

describe('decodeInferResponse', () => {
  it('Should read JSON outputs', () => {
    const decoded = decodeInferResponse(Buffer.from(JSON.stringify(jsonResponse)), null);
    expect(decoded).toEqual({
      modelName: 'centernet-coco',
      modelVersion: '1',
      imageWidth: 640,
      imageHeight: 480,
      detections: expectedDetections,
    });
  });

  it('Should accept nested (row-major) JSON data', () => {
    const nested = structuredClone(jsonResponse);
    nested.outputs[0]!.data = [
      [10.5, 20.25, 110, 220],
      [300, 40, 420.75, 200],
    ] as unknown as number[];
    expect(decodeInferResponse(Buffer.from(JSON.stringify(nested)), null).detections).toEqual(
      expectedDetections,
    );
  });

  it('Should read binary outputs (Triton binary tensor extension)', () => {
    const boxes = Buffer.alloc(32);
    for (const [i, v] of [10.5, 20.25, 110, 220, 300, 40, 420.75, 200].entries())
      boxes.writeFloatLE(v, i * 4);
    const scores = Buffer.alloc(8);
    scores.writeFloatLE(0.5, 0);
    scores.writeFloatLE(0.25, 4);
    const classes = Buffer.alloc(8);
    classes.writeInt32LE(0, 0);
    classes.writeInt32LE(16, 4);
    const labels = Buffer.concat(
      ['person', 'dog'].flatMap((label) => {
        const length = Buffer.alloc(4);
        length.writeUInt32LE(label.length);
        return [length, Buffer.from(label)];
      }),
    );
    const header = Buffer.from(
      JSON.stringify({
        model_name: 'centernet-coco',
        model_version: '1',
        outputs: [
          { name: 'boxes', datatype: 'FP32', shape: [2, 4], parameters: { binary_data_size: boxes.length } },
          { name: 'scores', datatype: 'FP32', shape: [2], parameters: { binary_data_size: scores.length } },
          {
            name: 'class_ids',
            datatype: 'INT32',
            shape: [2],
            parameters: { binary_data_size: classes.length },
          },
          { name: 'labels', datatype: 'BYTES', shape: [2], parameters: { binary_data_size: labels.length } },
        ],
      }),
    );
    const decoded = decodeInferResponse(
      Buffer.concat([header, boxes, scores, classes, labels]),
      header.length,
    );
    expect(decoded.detections).toEqual([
      { ...expectedDetections[0], score: 0.5 },
      { ...expectedDetections[1], score: 0.25 },
    ]);
  });

  it('Should decode an empty result', () => {
    const empty = {
      model_name: 'centernet-coco',
      outputs: [
        { name: 'boxes', datatype: 'FP32', shape: [0, 4], data: [] },
        { name: 'scores', datatype: 'FP32', shape: [0], data: [] },
        { name: 'class_ids', datatype: 'INT32', shape: [0], data: [] },
        { name: 'labels', datatype: 'BYTES', shape: [0], data: [] },
      ],
    };
    expect(decodeInferResponse(Buffer.from(JSON.stringify(empty)), null)).toMatchObject({
      modelVersion: null,
      detections: [],
    });
  });

  it.each([
    ['a body that is not JSON', Buffer.from('<html>'), /not JSON/],
    ['a response without outputs', Buffer.from('{"model_name":"m"}'), /malformed/],
    [
      'outputs of different lengths',
      Buffer.from(
        JSON.stringify({
          ...jsonResponse,
          outputs: [
            jsonResponse.outputs[0],
            { ...jsonResponse.outputs[1], data: [0.9] },
            jsonResponse.outputs[2],
          ],
        }),
      ),
      /sizes disagree/,
    ],
    [
      'a missing output',
      Buffer.from(JSON.stringify({ ...jsonResponse, outputs: jsonResponse.outputs.slice(1) })),
      /"boxes" is missing/,
    ],
  ])('Should reject %s', (_case, body, message) => {
    expect(() => decodeInferResponse(body, null)).toThrow(message);
  });
});
