import { describe, expect, it } from 'vitest';
import { captionTextColour, contrastRatio, formatScore, LABEL_PALETTE, labelColour } from './label-style.js';

describe('label style', () => {
  it('Should give every palette colour a caption text colour with at least 4.5:1 contrast (WCAG AA)', () => {
    for (const colour of LABEL_PALETTE) {
      const text = captionTextColour(colour);
      expect(contrastRatio(text, colour), `${text} on ${colour}`).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('Should compute WCAG contrast ratios', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(contrastRatio('#0072b2', '#0072b2')).toBe(1);
  });

  it('Should give a label the same colour every time, from the palette, spread over the COCO labels', () => {
    expect(labelColour('person')).toBe(labelColour('person'));
    const labels = ['person', 'car', 'bus', 'truck', 'dog', 'cat', 'cup', 'chair', 'bottle', 'pizza'];
    const used = new Set(labels.map(labelColour));
    for (const colour of used) expect(LABEL_PALETTE).toContain(colour);
    expect(used.size).toBeGreaterThanOrEqual(5);
  });

  it('Should format scores as percentages', () => {
    expect(formatScore(0.8734)).toBe('87%');
    expect(formatScore(0.0456)).toBe('4.6%');
    expect(formatScore(0)).toBe('0%');
    expect(formatScore(1)).toBe('100%');
  });
});
