import { describe, expect, it } from 'vitest';
import { detectionOptionsFrom } from './detection-parameters.js';

const DEFAULTS = { score_threshold: 0.2, iou_threshold: 0.4, max_detections: 100 };
const LABELS = ['person', 'bicycle', 'traffic light'];

describe('detectionOptionsFrom', () => {
  it("Should use the model's defaults and default NMS when the request sets nothing", () => {
    expect(detectionOptionsFrom({}, DEFAULTS, LABELS, 'class_agnostic')).toEqual({
      scoreThreshold: 0.2,
      iouThreshold: 0.4,
      maxDetections: 100,
      classIds: null,
      nms: 'class_agnostic',
    });
  });

  it('Should take every parameter from the request, classes as a list or a comma-separated string', () => {
    const parameters = {
      score_threshold: 0.5,
      iou_threshold: 0.6,
      max_detections: 3,
      classes: ['traffic light', 'person'],
      nms: 'class_aware',
    };
    expect(detectionOptionsFrom(parameters, DEFAULTS, LABELS, 'class_agnostic')).toEqual({
      scoreThreshold: 0.5,
      iouThreshold: 0.6,
      maxDetections: 3,
      classIds: new Set([2, 0]),
      nms: 'class_aware',
    });
    expect(
      detectionOptionsFrom({ classes: 'bicycle, person' }, DEFAULTS, LABELS, 'class_aware').classIds,
    ).toEqual(new Set([1, 0]));
    expect(detectionOptionsFrom({ classes: [] }, DEFAULTS, LABELS, 'class_aware').classIds).toBeNull();
  });

  it('Should ignore parameters it does not know (other layers read them)', () => {
    expect(
      detectionOptionsFrom({ binary_data_output: true }, DEFAULTS, LABELS, 'class_aware').scoreThreshold,
    ).toBe(0.2);
  });

  it.each([
    [{ score_threshold: 1.5 }, /"score_threshold" must be a number between 0 and 1, got 1.5/],
    [{ score_threshold: '0.5' }, /"score_threshold" must be a number/],
    [{ iou_threshold: -0.1 }, /"iou_threshold"/],
    [{ max_detections: 0 }, /"max_detections" must be an integer from 1 to 10000, got 0/],
    [{ max_detections: 2.5 }, /"max_detections"/],
    [{ max_detections: 1e9 }, /"max_detections"/],
    [{ classes: ['dog'] }, /no class "dog" \(its 3 labels start with "person", "bicycle", "traffic light"\)/],
    [{ classes: 7 }, /"classes" must be a list of class labels/],
    [{ nms: 'soft' }, /"nms" must be "class_aware" or "class_agnostic", got "soft"/],
  ])('Should refuse %j', (parameters, message) => {
    expect(() => detectionOptionsFrom(parameters, DEFAULTS, LABELS, 'class_aware')).toThrow(message);
  });
});
