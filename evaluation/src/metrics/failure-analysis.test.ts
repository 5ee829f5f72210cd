import { describe, expect, it } from 'vitest';
import type { CocoBox } from '../dataset/dataset.js';
import { addToConfusionMatrix, emptyConfusionMatrix } from './confusion-matrix.js';
import { analyseFailures, countFailures } from './failure-analysis.js';
import { type MatchDetection, type MatchGroundTruth, matchImage } from './matching.js';

const PERSON = 1;
const DOG = 2;
const CAT = 3;
const object = (bbox: CocoBox, categoryId = PERSON, iscrowd = false): MatchGroundTruth => ({
  bbox,
  categoryId,
  iscrowd,
});
const detection = (bbox: CocoBox, categoryId = PERSON, score = 0.9): MatchDetection => ({
  bbox,
  categoryId,
  score,
});

/**
 * One scene with every outcome, at IoU threshold t_f = 0.5 and t_b = 0.1:
 * objects g0 person, g1 dog, g2 person, g3 a crowd of people, g4 person far from everything;
 * d0 exactly on g0 (TP); d1 on g0 shifted 5 px, IoU 9500/10500 = 0.905 (duplicate: g0 is d0's);
 * d2 a cat exactly on the dog g1 (wrong class); d3 a person covering 30 % of g0, IoU 0.3 (poor localisation);
 * d4 a dog on the same 30 % of the person g0, and no dog near (wrong class and poor localisation);
 * d5 a person on nothing (background); d6 a person inside the crowd (ignored);
 * d7 a person covering 40 % of g2, IoU 0.4 (poor localisation, on a missed object).
 */
const scene = {
  objects: [
    object([0, 0, 100, 100]),
    object([200, 0, 100, 100], DOG),
    object([400, 0, 100, 100]),
    object([0, 300, 200, 200], PERSON, true),
    object([800, 0, 50, 50]),
  ],
  detections: [
    detection([0, 0, 100, 100]),
    detection([0, 5, 100, 100]),
    detection([200, 0, 100, 100], CAT),
    detection([0, 0, 100, 30]),
    detection([0, 0, 100, 30], DOG),
    detection([700, 700, 50, 50]),
    detection([10, 310, 50, 50]),
    detection([400, 0, 100, 40]),
  ],
};

function analyse(objects: MatchGroundTruth[], detections: MatchDetection[], iouThreshold = 0.5) {
  const matching = matchImage(objects, detections, iouThreshold);
  return { matching, failures: analyseFailures(objects, detections, matching, iouThreshold) };
}

describe('analyseFailures (TIDE-style reasons at the operating point)', () => {
  it('Should give every detection its verdict and reason, and every object its outcome, in the worked scene', () => {
    const { failures } = analyse(scene.objects, scene.detections);
    expect(failures.detections).toEqual([
      { verdict: 'tp', groundTruth: 0, iou: 1 },
      { verdict: 'fp', reason: 'duplicate', groundTruth: 0, iou: 9500 / 10500 },
      { verdict: 'fp', reason: 'wrong_class', groundTruth: 1, iou: 1 },
      { verdict: 'fp', reason: 'localisation', groundTruth: 0, iou: 0.3 },
      { verdict: 'fp', reason: 'class_and_localisation', groundTruth: 0, iou: 0.3 },
      { verdict: 'fp', reason: 'background', groundTruth: null, iou: 0 },
      { verdict: 'ignored' },
      { verdict: 'fp', reason: 'localisation', groundTruth: 2, iou: 0.4 },
    ]);
    expect(failures.groundTruth).toEqual([
      { verdict: 'matched', detection: 0 },
      { verdict: 'missed', nearby: [2] },
      { verdict: 'missed', nearby: [7] },
      { verdict: 'crowd' },
      { verdict: 'missed', nearby: [] },
    ]);
  });

  it('Should count the reasons overall and per class (false positives by predicted class, misses by object class)', () => {
    const { failures } = analyse(scene.objects, scene.detections);
    expect(countFailures(failures, scene.objects, scene.detections)).toEqual({
      falsePositives: {
        duplicate: 1,
        wrong_class: 1,
        localisation: 2,
        class_and_localisation: 1,
        background: 1,
      },
      missed: 3,
      missedNearby: 2,
    });
    expect(countFailures(failures, scene.objects, scene.detections, PERSON)).toEqual({
      falsePositives: {
        duplicate: 1,
        wrong_class: 0,
        localisation: 2,
        class_and_localisation: 0,
        background: 1,
      },
      missed: 2,
      missedNearby: 1,
    });
    expect(countFailures(failures, scene.objects, scene.detections, DOG)).toMatchObject({
      falsePositives: { class_and_localisation: 1 },
      missed: 1,
      missedNearby: 1,
    });
  });

  it('Should put the background boundary at IoU 0.1 inclusive: 0.1 is poor localisation, 0.09 background', () => {
    const objects = [object([0, 0, 100, 100])];
    const { failures } = analyse(objects, [detection([0, 0, 100, 10]), detection([0, 0, 100, 9])]);
    expect(failures.detections.map((d) => (d.verdict === 'fp' ? d.reason : d.verdict))).toEqual([
      'localisation',
      'background',
    ]);
  });

  it('Should test in TIDE’s order: poor localisation before wrong class, wrong class before duplicate', () => {
    // d1 overlaps the person g0 at 0.3 (its own class) and the dog g1 exactly: localisation comes first.
    // d2 overlaps the person g0 (matched by d0) exactly and the dog g1 exactly: wrong class comes before duplicate.
    const objects = [object([0, 0, 100, 100]), object([0, 0, 100, 30], DOG)];
    const { failures } = analyse(objects, [detection([0, 0, 100, 100]), detection([0, 0, 100, 30])]);
    expect(failures.detections[1]).toMatchObject({ verdict: 'fp', reason: 'localisation', groundTruth: 0 });
    const onBoth = analyse(
      [object([0, 0, 100, 100]), object([0, 0, 100, 100], DOG)],
      [detection([0, 0, 100, 100]), detection([0, 0, 100, 100])],
    );
    expect(onBoth.failures.detections[1]).toMatchObject({
      verdict: 'fp',
      reason: 'wrong_class',
      groundTruth: 1,
    });
  });

  it('Should use the matching IoU threshold as t_f: at 0.25 the 0.3 box is a duplicate instead', () => {
    const objects = [object([0, 0, 100, 100])];
    const { failures } = analyse(objects, [detection([0, 0, 100, 100]), detection([0, 0, 100, 30])], 0.25);
    expect(failures.detections[1]).toMatchObject({ verdict: 'fp', reason: 'duplicate', iou: 0.3 });
  });

  it('Should leave crowd regions out of the IoUs: a wrong-class box in a crowd is background', () => {
    const objects = [object([0, 0, 200, 200], PERSON, true)];
    const { failures } = analyse(objects, [detection([10, 10, 50, 50], DOG)]);
    expect(failures.detections[0]).toMatchObject({ verdict: 'fp', reason: 'background' });
    expect(failures.groundTruth).toEqual([{ verdict: 'crowd' }]);
  });
});

describe('confusion matrix with background', () => {
  it('Should hold the worked scene: TPs on the diagonal, a cat on a dog off it, the rest background or missed', () => {
    const { matching } = analyse(scene.objects, scene.detections);
    const matrix = emptyConfusionMatrix([PERSON, DOG, CAT]);
    addToConfusionMatrix(matrix, scene.objects, scene.detections, matching, 0.5);
    // Rows person, dog, cat, background; columns person, dog, cat, missed.
    expect(matrix.counts).toEqual([
      [1, 0, 0, 2],
      [0, 0, 1, 0],
      [0, 0, 0, 0],
      [4, 1, 0, 0],
    ]);
    // Each regular object once in its row, each detection that is not ignored once in its column.
    const rowSums = matrix.counts.map((row) => row.reduce((a, b) => a + b, 0));
    const columnSums = matrix.counts[0]!.map((_, c) => matrix.counts.reduce((sum, row) => sum + row[c]!, 0));
    expect(rowSums.slice(0, 3)).toEqual([3, 1, 0]);
    expect(columnSums.slice(0, 3)).toEqual([5, 1, 1]);
  });

  it('Should count a wrong-class box on an object that was also found correctly as background', () => {
    const objects = [object([0, 0, 100, 100])];
    const detections = [detection([0, 0, 100, 100]), detection([0, 0, 100, 100], DOG)];
    const matrix = emptyConfusionMatrix([PERSON, DOG]);
    addToConfusionMatrix(matrix, objects, detections, matchImage(objects, detections), 0.5);
    expect(matrix.counts).toEqual([
      [1, 0, 0],
      [0, 0, 0],
      [0, 1, 0],
    ]);
  });

  it('Should pair left-over boxes one to one regardless of class, most pairs first', () => {
    // Two dogs labelled cat: both confusions, not one confusion and one background plus a miss.
    const objects = [object([0, 0, 100, 100], DOG), object([60, 0, 100, 100], DOG)];
    const detections = [detection([30, 0, 100, 100], CAT), detection([0, 0, 100, 100], CAT)];
    const matrix = emptyConfusionMatrix([DOG, CAT]);
    addToConfusionMatrix(matrix, objects, detections, matchImage(objects, detections), 0.5);
    expect(matrix.counts).toEqual([
      [0, 2, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });
});
