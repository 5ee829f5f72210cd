import { describe, expect, it } from 'vitest';
import { blazefaceAnchors, decodeBlazeface } from './blazeface.js';

const HEADS = [
  { stride: 16, anchorsPerCell: 2 },
  { stride: 32, anchorsPerCell: 6 },
];

/** The reference library's facemeshutil.generateAnchors for a 256-px BlazeFace, written out. */
function referenceAnchors(inputSize: number): number[] {
  const spec = { strides: [inputSize / 16, inputSize / 8], anchors: [2, 6] };
  const anchors: number[] = [];
  for (let i = 0; i < spec.strides.length; i++) {
    const stride = spec.strides[i]!;
    const grid = Math.floor((inputSize + stride - 1) / stride);
    for (let gridY = 0; gridY < grid; gridY++) {
      for (let gridX = 0; gridX < grid; gridX++) {
        for (let n = 0; n < spec.anchors[i]!; n++)
          anchors.push(stride * (gridX + 0.5), stride * (gridY + 0.5));
      }
    }
  }
  return anchors;
}

describe('blazefaceAnchors', () => {
  it('Should produce the 896 anchors of the reference library in the same order', () => {
    const anchors = blazefaceAnchors(256, 256, HEADS);
    expect(anchors.length / 2).toBe(896);
    expect(Array.from(anchors)).toEqual(referenceAnchors(256));
    expect(Array.from(anchors.subarray(0, 6))).toEqual([8, 8, 8, 8, 24, 8]);
    expect(Array.from(anchors.subarray(1024, 1026))).toEqual([16, 16]);
  });

  it('Should cover non-square inputs row by row', () => {
    const anchors = blazefaceAnchors(64, 32, [{ stride: 16, anchorsPerCell: 1 }]);
    expect(Array.from(anchors)).toEqual([8, 8, 24, 8, 40, 8, 56, 8, 8, 24, 24, 24, 40, 24, 56, 24]);
  });
});

describe('decodeBlazeface', () => {
  const anchors = Float64Array.from([100, 50, 200, 150]);
  const keypointCount = 2;
  const regressors = Float32Array.from([
    // dx, dy, w, h, k0x, k0y, k1x, k1y
    2, -3, 40, 20, -5, -1, 5, 1, 0, 0, 10, 10, 0, 0, 0, 0,
  ]);

  it('Should turn logits into sigmoid scores and offsets into boxes and keypoints around the anchor', () => {
    const logits = Float32Array.from([2, -2]);
    const [face, ...rest] = decodeBlazeface({ logits, regressors, keypointCount }, anchors, 0.5);
    expect(rest).toEqual([]);
    expect(face!.score).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    expect([face!.x1, face!.y1, face!.x2, face!.y2]).toEqual([82, 37, 122, 57]);
    expect(face!.keypoints).toEqual([95, 49, 105, 51]);
    expect([face!.classId, face!.index]).toEqual([0, 0]);
  });

  it('Should drop anchors at or below the threshold', () => {
    expect(
      decodeBlazeface({ logits: Float32Array.from([0, 0]), regressors, keypointCount }, anchors, 0.5),
    ).toEqual([]);
    expect(
      decodeBlazeface({ logits: Float32Array.from([0, 0]), regressors, keypointCount }, anchors, 0.49),
    ).toHaveLength(2);
  });
});
