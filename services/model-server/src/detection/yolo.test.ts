import { describe, expect, it } from 'vitest';
import { decodeYolo, resolveYoloLayout } from './yolo.js';

describe('resolveYoloLayout', () => {
  it.each([
    [
      'v8 export [1, 84, 8400]',
      [1, 84, 8400],
      'v8',
      undefined,
      80,
      { boxesFirst: false, boxCount: 8400, classCount: 80 },
    ],
    [
      'v11 export [1, 84, 8400]',
      [1, 84, 8400],
      'v11',
      undefined,
      80,
      { boxesFirst: false, boxCount: 8400, classCount: 80 },
    ],
    [
      'v5 export [1, 25200, 85]',
      [1, 25200, 85],
      'v5',
      undefined,
      80,
      { boxesFirst: true, boxCount: 25200, classCount: 80, hasObjectness: true },
    ],
    ['v8 transposed [1, 8400, 84]', [1, 8400, 84], 'v8', undefined, 80, { boxesFirst: true, boxCount: 8400 }],
    [
      'no labels: smaller axis holds attributes',
      [1, 6, 100],
      'v8',
      undefined,
      undefined,
      { boxesFirst: false, classCount: 2 },
    ],
    [
      'explicit layout wins',
      [1, 6, 6],
      'v8',
      'attributes_first',
      undefined,
      { boxesFirst: false, boxCount: 6, classCount: 2 },
    ],
    [
      'rank 2 output [7, 20]',
      [7, 20],
      'v5',
      undefined,
      2,
      { boxesFirst: false, boxCount: 20, classCount: 2 },
    ],
  ] as const)('Should read %s', (_, dims, version, layout, labels, expected) => {
    expect(resolveYoloLayout(dims, version, layout, labels)).toMatchObject(expected);
  });

  it.each([
    [[1, 84, 8400], 'v8', 79, /no axis of 83/],
    [[2, 84, 8400], 'v8', 80, /must be \[1, boxes, attributes\]/],
    [[1, 4, 100], 'v8', undefined, /no class scores/],
    [[1, 84, 8400], 'v8', 'attributes_first', /80 classes but the config lists 3 labels/],
  ] as const)('Should refuse %j (%s)', (dims, version, labelsOrLayout, message) => {
    const [layout, labels] =
      typeof labelsOrLayout === 'string' ? [labelsOrLayout, 3] : [undefined, labelsOrLayout];
    expect(() => resolveYoloLayout(dims, version, layout, labels)).toThrow(message);
  });
});

describe('decodeYolo', () => {
  // Three candidates, two classes: [cx, cy, w, h, class0, class1] per box (v8 semantics).
  const boxes = [
    [50, 40, 20, 10, 0.9, 0.1],
    [10, 10, 4, 4, 0.2, 0.3],
    [80, 80, 10, 10, 0.05, 0.6],
  ];
  const attributesFirst = Float32Array.from([0, 1, 2, 3, 4, 5].flatMap((a) => boxes.map((b) => b[a]!)));
  const boxesFirst = Float32Array.from(boxes.flat());
  const options = {
    scoreThreshold: 0.25,
    classIds: null,
    normalized: false,
    inputWidth: 100,
    inputHeight: 100,
  };

  it('Should decode both layouts to the same corners, best class and score', () => {
    const a = decodeYolo(attributesFirst, resolveYoloLayout([1, 6, 3], 'v8', 'attributes_first', 2), options);
    const b = decodeYolo(boxesFirst, resolveYoloLayout([1, 3, 6], 'v8', 'boxes_first', 2), options);
    expect(a).toEqual(b);
    expect(a.map((d) => [d.index, d.classId, d.x1, d.y1, d.x2, d.y2])).toEqual([
      [0, 0, 40, 35, 60, 45],
      [1, 1, 8, 8, 12, 12],
      [2, 1, 75, 75, 85, 85],
    ]);
    expect(a.map((d) => Math.round(d.score * 100))).toEqual([90, 30, 60]);
  });

  it('Should multiply objectness into the class score for v5 and skip low objectness', () => {
    const v5 = Float32Array.from([50, 40, 20, 10, 0.5, 0.9, 0.1, 10, 10, 4, 4, 0.2, 0.9, 0.1]);
    const detections = decodeYolo(v5, resolveYoloLayout([1, 2, 7], 'v5', undefined, 2), options);
    expect(detections).toHaveLength(1);
    expect(detections[0]!.score).toBeCloseTo(0.45, 6);
  });

  it('Should scale normalised coordinates and filter classes after picking the best class', () => {
    const normalised = Float32Array.from([0.5, 0.4, 0.2, 0.1, 0.9, 0.1]);
    const layout = resolveYoloLayout([1, 1, 6], 'v8', 'boxes_first', 2);
    const [d] = decodeYolo(normalised, layout, {
      ...options,
      normalized: true,
      inputWidth: 200,
      inputHeight: 100,
    });
    expect([d!.x1, d!.y1, d!.x2, d!.y2].map((v) => Math.round(v))).toEqual([80, 35, 120, 45]);
    expect(decodeYolo(normalised, layout, { ...options, classIds: new Set([1]) })).toEqual([]);
  });
});
