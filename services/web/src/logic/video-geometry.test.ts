import { describe, expect, it } from 'vitest';
import { boxOnScreen, containedRect } from './video-geometry.js';

describe('containedRect', () => {
  it('letterboxes a wide video in a taller element (bars above and below)', () => {
    expect(containedRect(640, 360, 800, 600)).toEqual({ x: 0, y: 75, width: 800, height: 450 });
  });

  it('pillarboxes a portrait video in a wide element (bars left and right)', () => {
    expect(containedRect(360, 640, 900, 400)).toEqual({ x: 337.5, y: 0, width: 225, height: 400 });
  });

  it('fills an element of the same aspect ratio, scaling up or down', () => {
    expect(containedRect(480, 360, 240, 180)).toEqual({ x: 0, y: 0, width: 240, height: 180 });
    expect(containedRect(480, 360, 960, 720)).toEqual({ x: 0, y: 0, width: 960, height: 720 });
  });

  it('answers an empty rectangle before the video or the element has a size', () => {
    expect(containedRect(0, 0, 800, 600)).toEqual({ x: 0, y: 0, width: 0, height: 0 });
    expect(containedRect(640, 360, 0, 600)).toEqual({ x: 0, y: 0, width: 0, height: 0 });
  });
});

describe('boxOnScreen', () => {
  it('scales a box in video pixels onto the shown picture and offsets it by the bars', () => {
    const shown = containedRect(640, 360, 800, 600);
    expect(boxOnScreen([64, 36, 320, 180], 640, 360, shown)).toEqual({
      x: 80,
      y: 120,
      width: 320,
      height: 180,
    });
  });

  it('maps the whole frame onto exactly the shown picture', () => {
    const shown = containedRect(360, 640, 900, 400);
    expect(boxOnScreen([0, 0, 360, 640], 360, 640, shown)).toEqual(shown);
  });

  it('clips a box reaching outside the frame to the picture', () => {
    const shown = containedRect(640, 360, 640, 360);
    expect(boxOnScreen([-20, -10, 700, 400], 640, 360, shown)).toEqual({
      x: 0,
      y: 0,
      width: 640,
      height: 360,
    });
  });
});
