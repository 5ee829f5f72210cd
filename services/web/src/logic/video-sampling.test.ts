import { describe, expect, it } from 'vitest';
import { SAMPLING_RATES, samplingFps } from './video-sampling.js';

describe('samplingFps', () => {
  it("sends the chosen rate and nothing for the backend's default", () => {
    expect(SAMPLING_RATES.map((rate) => samplingFps(String(rate)))).toEqual([...SAMPLING_RATES]);
    expect(samplingFps('')).toBeUndefined();
    expect(samplingFps('0')).toBeUndefined();
    expect(samplingFps('abc')).toBeUndefined();
  });
});
