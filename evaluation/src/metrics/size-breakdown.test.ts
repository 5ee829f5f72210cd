import { describe, expect, it } from 'vitest';
import type { CocoBox, GroundTruthAnnotation } from '../dataset/dataset.js';
import { analyseFailures } from './failure-analysis.js';
import { type MatchDetection, matchImage } from './matching.js';
import { addSizeCounts, emptySizeCounts, sizeOf } from './size-breakdown.js';

let nextId = 1;
const object = (bbox: CocoBox, area: number, iscrowd = false): GroundTruthAnnotation => ({
  id: nextId++,
  imageId: 1,
  categoryId: 1,
  bbox,
  area,
  iscrowd,
});
const detection = (bbox: CocoBox): MatchDetection => ({ bbox, categoryId: 1, score: 0.9 });

describe('precision and recall by object size', () => {
  it('Should split at COCO’s 32² and 96² px, each bound starting the larger size', () => {
    expect([sizeOf(0), sizeOf(32 ** 2 - 1), sizeOf(32 ** 2), sizeOf(96 ** 2 - 1), sizeOf(96 ** 2)]).toEqual([
      'small',
      'small',
      'medium',
      'medium',
      'large',
    ]);
  });

  it('Should count objects by their area, true positives by their object’s, false positives by their own box', () => {
    // A small object (annotated area 300, inside a 40×40 box) found by a 40×40 box: a small TP although the box is
    // medium-sized. A medium object missed. A 100×100 box on nothing: a large FP. A box in a crowd: left out.
    const objects = [
      object([0, 0, 40, 40], 300),
      object([200, 0, 50, 50], 2500),
      object([500, 500, 300, 300], 90_000, true),
    ];
    const detections = [
      detection([0, 0, 40, 40]),
      detection([1000, 1000, 100, 100]),
      detection([510, 510, 20, 20]),
    ];
    const matching = matchImage(objects, detections);
    const totals = emptySizeCounts();
    addSizeCounts(totals, objects, detections, analyseFailures(objects, detections, matching, 0.5));
    expect(totals).toEqual({
      small: { objects: 1, detections: 1, tp: 1, fp: 0, fn: 0 },
      medium: { objects: 1, detections: 0, tp: 0, fp: 0, fn: 1 },
      large: { objects: 0, detections: 1, tp: 0, fp: 1, fn: 0 },
    });
  });
});
