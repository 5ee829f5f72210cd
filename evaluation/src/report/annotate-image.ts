import sharp from 'sharp';
import type { CocoBox } from '../dataset/dataset.js';
import { BOX_STYLES, type BoxKind } from './box-styles.js';

export interface DrawnBox {
  bbox: CocoBox;
  caption: string;
  kind: BoxKind;
}

const escapeXml = (text: string) =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

/**
 * SVG overlay of the boxes in the palette of BOX_STYLES (dashed: missed objects and crowd regions), each with its
 * caption: objects' captions above the box, detections' below it. Boxes are drawn in the given order.
 */
export function overlaySvg(width: number, height: number, boxes: readonly DrawnBox[]): string {
  const stroke = Math.max(2, Math.round(Math.max(width, height) / 320));
  const fontSize = Math.max(11, Math.round(Math.max(width, height) / 48));
  const shapes = boxes.map(({ bbox: [x, y, w, h], caption, kind }) => {
    const style = BOX_STYLES[kind];
    const dash = style.dashed ? ` stroke-dasharray="${stroke * 3} ${stroke * 2}"` : '';
    const isObject = kind === 'missed' || kind === 'crowd';
    const labelY = isObject ? Math.max(fontSize, y - 3) : Math.min(height - 2, y + h + fontSize);
    const labelWidth = Math.ceil(caption.length * fontSize * 0.6) + 6;
    // Kept inside the image where it fits, so captions of boxes at the right edge stay readable.
    const labelX = Math.max(0, Math.min(x, width - labelWidth));
    return [
      `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="${style.colour}" stroke-width="${stroke}"${dash}/>`,
      `<rect x="${labelX}" y="${labelY - fontSize}" width="${labelWidth}" height="${fontSize + 4}" fill="${style.colour}" fill-opacity="0.85"/>`,
      `<text x="${labelX + 3}" y="${labelY}" font-family="DejaVu Sans, sans-serif" font-size="${fontSize}" fill="${style.text}">${escapeXml(caption)}</text>`,
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
