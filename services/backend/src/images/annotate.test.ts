import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { syntheticImage } from '../../test/support/images.js';
import { annotateImage } from './annotate.js';
import { captionTextColour, labelColour, parseHexColour } from './label-style.js';

describe('annotateImage', () => {
  it('Should draw each label in the colour the web UI uses for it (label-style.ts), with readable text', async () => {
    const png = await syntheticImage('png', 320, 240);
    const boxes = [
      { bbox: [40, 60, 200, 220] as [number, number, number, number], label: 'person', score: 0.91 },
      { bbox: [210, 40, 300, 120] as [number, number, number, number], label: 'dog', score: 0.42 },
    ];
    const annotated = await annotateImage(png, 'png', { width: 320, height: 240 }, boxes, {
      maxPixels: 40_000_000,
      maxSide: 2048,
    });
    const { data, info } = await sharp(annotated).raw().toBuffer({ resolveWithObject: true });
    const pixel = (x: number, y: number) =>
      [...data.subarray((y * info.width + x) * info.channels)].slice(0, 3);
    const fontSize = 12;
    for (const { bbox, label } of boxes) {
      const [x1, y1] = bbox;
      const captionTop = y1 - fontSize - 6 >= 0 ? y1 - fontSize - 6 : y1;
      // the caption background's top-left corner, above the text: exactly the label's colour
      expect(pixel(x1 + 1, captionTop + 1), label).toEqual(parseHexColour(labelColour(label)));
    }
    expect(labelColour('person')).not.toBe(labelColour('dog'));
    // the caption text is drawn in the contrasting colour: some pixels of the caption have it
    const [x1, y1] = boxes[0]!.bbox;
    const text = parseHexColour(captionTextColour(labelColour('person')));
    let found = false;
    for (let y = y1 - fontSize - 6; y < y1 && !found; y += 1)
      for (let x = x1 + 4; x < x1 + 60 && !found; x += 1)
        found = pixel(x, y).every((channel, index) => Math.abs(channel - text[index]!) < 40);
    expect(found).toBe(true);
  });
});
