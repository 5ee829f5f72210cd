import { describe, expect, it } from 'vitest';
import { nearestFrame } from './video-frames.js';

const frames = [0, 0.5, 1, 1.5, 2].map((timestamp, index) => ({ index, timestamp }));

describe('nearestFrame', () => {
  it('picks the sampled frame whose timestamp is nearest to the media time', () => {
    expect(nearestFrame(frames, 0)?.index).toBe(0);
    expect(nearestFrame(frames, 0.2)?.index).toBe(0);
    expect(nearestFrame(frames, 0.3)?.index).toBe(1);
    expect(nearestFrame(frames, 1.49)?.index).toBe(3);
    expect(nearestFrame(frames, 1.5)?.index).toBe(3);
  });

  it('takes the earlier frame on a tie', () => {
    expect(nearestFrame(frames, 0.25)?.index).toBe(0);
    expect(nearestFrame(frames, 1.75)?.index).toBe(3);
  });

  it('clamps to the first and last frame outside the sampled range', () => {
    expect(nearestFrame(frames, -1)?.index).toBe(0);
    expect(nearestFrame(frames, 9)?.index).toBe(4);
  });

  it('answers null without frames or without a time, and the only frame when there is one', () => {
    expect(nearestFrame([], 1)).toBeNull();
    expect(nearestFrame(frames, Number.NaN)).toBeNull();
    expect(nearestFrame([{ timestamp: 3 }], 0)).toEqual({ timestamp: 3 });
  });

  it('finds the same frame as a linear scan on an uneven sampling', () => {
    const uneven = [0, 0.04, 0.4, 0.41, 2.5, 7, 7.2].map((timestamp, index) => ({ index, timestamp }));
    for (let time = -0.5; time < 8; time += 0.013) {
      const linear = uneven.reduce((best, frame) =>
        Math.abs(frame.timestamp - time) < Math.abs(best.timestamp - time) ? frame : best,
      );
      expect(nearestFrame(uneven, time)?.index).toBe(linear.index);
    }
  });
});
