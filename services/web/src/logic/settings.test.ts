import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, MODEL_THRESHOLDS, parseSettings } from './settings.js';

describe('settings', () => {
  it('Should read saved settings and fall back to the defaults for anything invalid', () => {
    expect(parseSettings(null)).toEqual(DEFAULT_SETTINGS);
    expect(parseSettings('not json')).toEqual(DEFAULT_SETTINGS);
    expect(parseSettings('{"model":"blazeface","scoreThreshold":0.6,"parallelUploads":3}')).toEqual({
      model: 'blazeface',
      scoreThreshold: 0.6,
      parallelUploads: 3,
    });
    expect(parseSettings('{"model":"../x","scoreThreshold":7,"parallelUploads":40}')).toEqual({
      model: '',
      scoreThreshold: null,
      parallelUploads: 6,
    });
  });

  it('Should offer model thresholds from 5 % to 95 %', () => {
    expect(MODEL_THRESHOLDS[0]).toBe(0.05);
    expect(MODEL_THRESHOLDS.at(-1)).toBe(0.95);
    expect(MODEL_THRESHOLDS).toContain(0.6);
  });
});
