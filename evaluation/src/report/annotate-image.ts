import sharp from 'sharp';
import type { CocoBox } from '../dataset/dataset.js';

export interface DrawnBox {
  bbox: CocoBox;
  caption: string;
  kind: 'ground-truth' | 'crowd' | 'prediction';
}

const COLOURS = { 'ground-truth': '#1fbf3a', crowd: '#1fbf3a', prediction: '#e8222e' } as const;

const escapeXml = (text: string) =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

/** SVG overlay of the boxes, ground truth green (crowd regions dashed), predictions red, each with its caption. */
export function overlaySvg(width: number, height: number, boxes: readonly DrawnBox[]): string {
  const stroke = Math.max(2, Math.round(Math.max(width, height) / 320));
  const fontSize = Math.max(11, Math.round(Math.max(width, height) / 48));
  const shapes = boxes.map(({ bbox: [x, y, w, h], caption, kind }) => {
    const colour = COLOURS[kind];
    const dash = kind === 'crowd' ? ` stroke-dasharray="${stroke * 3} ${stroke * 2}"` : '';
    const labelY = kind === 'prediction' ? Math.min(height - 2, y + h + fontSize) : Math.max(fontSize, y - 3);
    const labelWidth = Math.ceil(caption.length * fontSize * 0.6) + 6;
    return [
      `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="${colour}" stroke-width="${stroke}"${dash}/>`,
      `<rect x="${x}" y="${labelY - fontSize}" width="${labelWidth}" height="${fontSize + 4}" fill="${colour}" fill-opacity="0.8"/>`,
      `<text x="${x + 3}" y="${labelY}" font-family="DejaVu Sans, sans-serif" font-size="${fontSize}" fill="#fff">${escapeXml(caption)}</text>`,
    ].join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join('')}</svg>`;
}

/** Writes the image (EXIF orientation applied) with the boxes drawn on it, as JPEG. */
export async function writeAnnotatedImage(
  source: string,
  destination: string,
  boxes: readonly DrawnBox[],
): Promise<void> {
  const { autoOrient } = await sharp(source).metadata();
  const svg = overlaySvg(autoOrient.width, autoOrient.height, boxes);
  await sharp(source)
    .autoOrient()
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .jpeg({ quality: 85 })
    .toFile(destination);
}
