/**
 * How a detected label is drawn, shared by the annotated images this backend draws (`annotate.ts`) and the web UI
 * (`@detection/backend/label-style`): the same colour for "person" everywhere, readable caption text, the same
 * score format. Pure code, no Node APIs: the web UI bundles this file.
 */

/** Colour-blind-aware (Okabe–Ito plus three), each distinct on photos; captions pick black or white text. */
export const LABEL_PALETTE = [
  '#e69f00',
  '#56b4e9',
  '#009e73',
  '#f0e442',
  '#0072b2',
  '#d55e00',
  '#cc79a7',
  '#8ecae6',
  '#ff6b6b',
  '#b5e48c',
] as const;

/** A stable colour per label (FNV-1a hash of the label), the same on every image and in every client. */
export function labelColour(label: string): string {
  let hash = 2166136261;
  for (let index = 0; index < label.length; index += 1) {
    hash ^= label.charCodeAt(index);
    hash = Math.imul(hash, 16777619);
  }
  return LABEL_PALETTE[(hash >>> 0) % LABEL_PALETTE.length]!;
}

/** `#rrggbb` → [r, g, b] in 0..255. */
export function parseHexColour(hex: string): [number, number, number] {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [1, 2, 3].map((group) => Number.parseInt(match[group]!, 16)) as [number, number, number];
}

/** WCAG 2 relative luminance of an sRGB colour. */
export function relativeLuminance(hex: string): number {
  const [r, g, b] = parseHexColour(hex).map((channel) => {
    const value = channel / 255;
    return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio between two colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [
    number,
    number,
  ];
  return (light + 0.05) / (dark + 0.05);
}

/** Black or white, whichever reads better on the label colour: the text colour of a caption drawn on it. */
export function captionTextColour(background: string): '#000000' | '#ffffff' {
  return contrastRatio('#000000', background) >= contrastRatio('#ffffff', background) ? '#000000' : '#ffffff';
}

/** 0.8734 → "87%" (one decimal under 10 %, so low scores stay distinguishable). */
export function formatScore(score: number): string {
  const percent = score * 100;
  return `${percent > 0 && percent < 10 ? percent.toFixed(1) : Math.round(percent)}%`;
}
