import { LABEL_PALETTE, labelColour } from '@detection/backend/label-style';
import { describe, expect, it } from 'vitest';
import { trackCaption, trackColour } from './track-style.js';

describe('trackColour', () => {
  it('gives neighbouring tracks different colours and repeats after the palette', () => {
    const colours = [0, 1, 2, 3].map((id) => trackColour(id, 'person'));
    expect(new Set(colours).size).toBe(4);
    expect(trackColour(LABEL_PALETTE.length + 2, 'person')).toBe(trackColour(2, 'car'));
  });

  it("uses the label's colour before tracks exist", () => {
    expect(trackColour(null, 'dog')).toBe(labelColour('dog'));
  });
});

describe('trackCaption', () => {
  it('reads like the annotated video: track, label, score', () => {
    expect(trackCaption(3, 'person', '87%')).toBe('#3 person 87%');
    expect(trackCaption(null, 'person', '87%')).toBe('person 87%');
  });
});
