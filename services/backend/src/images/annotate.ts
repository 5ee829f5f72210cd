import sharp from 'sharp';
import type { SupportedFormat } from './image-format.js';
import { captionTextColour, formatScore, labelColour } from './label-style.js';

export interface BoxToDraw {
  bbox: [number, number, number, number];
  label: string;
  score: number;
}

const escapeXml = (text: string) =>
  text.replace(
    /[<>&'"]/g,
    (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[char]!,
  );

/**
 * Draws boxes and "label 87%" captions in each label's colour (the web UI's, from label-style.ts) over the image (EXIF orientation applied), in the image's own format.
 * `size` is the image's size after EXIF orientation, as probed on upload and stored on its row.
 */
export async function annotateImage(
  bytes: Uint8Array,
  format: SupportedFormat,
  size: { width: number; height: number },
  boxes: BoxToDraw[],
  maxPixels: number,
): Promise<Buffer> {
  const base = sharp(bytes, { limitInputPixels: maxPixels }).autoOrient();
  const { width, height } = size;
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 200));
  const fontSize = Math.max(12, Math.round(Math.min(width, height) / 40));
  const shapes = boxes.map((box) => {
    const color = labelColour(box.label);
    const [x1, y1, x2, y2] = box.bbox;
    const text = `${box.label} ${formatScore(box.score)}`;
    const caption = escapeXml(text);
    const captionWidth = Math.round(fontSize * 0.62 * text.length) + 8;
    const captionY = y1 - fontSize - 6 >= 0 ? y1 - fontSize - 6 : y1;
    return [
      `<rect x="${x1}" y="${y1}" width="${Math.max(1, x2 - x1)}" height="${Math.max(1, y2 - y1)}" fill="none" stroke="${color}" stroke-width="${stroke}"/>`,
      `<rect x="${x1}" y="${captionY}" width="${captionWidth}" height="${fontSize + 6}" fill="${color}"/>`,
      `<text x="${x1 + 4}" y="${captionY + fontSize}" font-family="DejaVu Sans, sans-serif" font-size="${fontSize}" fill="${captionTextColour(color)}">${caption}</text>`,
    ].join('');
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join('')}</svg>`;
  const annotated = base.composite([{ input: Buffer.from(svg), top: 0, left: 0 }]);
  switch (format) {
    case 'jpeg':
      return annotated.jpeg({ quality: 90 }).toBuffer();
    case 'png':
      return annotated.png().toBuffer();
    case 'webp':
      return annotated.webp({ quality: 90 }).toBuffer();
  }
}
