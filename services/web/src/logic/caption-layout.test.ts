import { describe, expect, it } from 'vitest';
import { type CaptionRequest, intersects, layoutCaptions } from './caption-layout.js';

const frame = { width: 400, height: 300 };
const caption = (id: string, x: number, y: number, width = 80, height = 20): CaptionRequest => ({
  id,
  box: { x, y, width: 60, height: 60 },
  width,
  height,
});

describe('layoutCaptions', () => {
  it('Should put a caption above its box when there is room', () => {
    expect(layoutCaptions([caption('a', 100, 100)], frame).get('a')).toEqual({
      x: 100,
      y: 80,
      width: 80,
      height: 20,
      visible: true,
    });
  });

  it('Should keep captions inside the image: a box at the top or right edge gets its caption moved in', () => {
    const top = layoutCaptions([caption('a', 10, 0)], frame).get('a')!;
    expect(top.y).toBe(0);
    const right = layoutCaptions([caption('b', 380, 150)], frame).get('b')!;
    expect(right.x + right.width).toBeLessThanOrEqual(400);
    const wide = layoutCaptions([caption('c', 0, 100, 900)], frame).get('c')!;
    expect(wide).toMatchObject({ x: 0, width: 400, visible: true });
  });

  it('Should move a caption to a free place, and hide it when there is none', () => {
    const crowded = [caption('best', 100, 100), caption('second', 105, 100), caption('third', 110, 100)];
    const layout = layoutCaptions(crowded, frame);
    const shown = [...layout.values()].filter((placement) => placement.visible);
    for (const a of shown) for (const b of shown) if (a !== b) expect(intersects(a, b)).toBe(false);
    expect(layout.get('best')!.visible).toBe(true);
    expect(layout.get('best')!.y).toBe(80);
    const many = Array.from({ length: 8 }, (_, index) => caption(String(index), 100 + index, 100));
    const hidden = [...layoutCaptions(many, frame).values()].filter((placement) => !placement.visible);
    expect(hidden.length).toBeGreaterThan(0);
  });

  it('Should hide captions on an image shorter than a caption', () => {
    expect(layoutCaptions([caption('a', 0, 0)], { width: 100, height: 10 }).get('a')!.visible).toBe(false);
  });
});
