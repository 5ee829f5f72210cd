import sharp from 'sharp';
import { ApiError } from '../errors.js';
import { decoderComplaint, decodingPolicy } from './decoding-policy.js';
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

export interface AnnotateOptions {
  maxPixels: number;
  /** The longer side of the drawing; larger images are scaled down (JPEG and WebP while decoding), boxes with them. */
  maxSide: number;
}

/**
 * Draws boxes and "label 87%" captions in each label's colour (the web UI's, from label-style.ts) over the image (EXIF
 * orientation applied), in the image's own format, at most `maxSide` pixels on its longer side, so a huge image costs
 * a thumbnail's memory rather than its own. `size` is the image's size after EXIF orientation, as probed on upload and
 * stored on its row. An image that does not decode under the shared policy is a 422 (it was stored before the policy
 * refused such files at upload).
 */
export async function annotateImage(
  bytes: Uint8Array,
  format: SupportedFormat,
  size: { width: number; height: number },
  boxes: BoxToDraw[],
  { maxPixels, maxSide }: AnnotateOptions,
): Promise<Buffer> {
  const scale = Math.min(1, maxSide / Math.max(size.width, size.height));
  const width = Math.max(1, Math.round(size.width * scale));
  const height = Math.max(1, Math.round(size.height * scale));
  let base = sharp(bytes, {
    ...decodingPolicy,
    limitInputPixels: maxPixels,
    sequentialRead: true,
  }).autoOrient();
  if (scale < 1) base = base.resize(width, height, { fit: 'fill' });
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 200));
  const fontSize = Math.max(12, Math.round(Math.min(width, height) / 40));
  const shapes = boxes.map((box) => {
    const color = labelColour(box.label);
    const [x1, y1, x2, y2] = box.bbox.map((value) => Math.round(value * scale)) as [
      number,
      number,
      number,
      number,
    ];
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
  try {
    switch (format) {
      case 'jpeg':
        return await annotated.jpeg({ quality: 90 }).toBuffer();
      case 'png':
        return await annotated.png().toBuffer();
      case 'webp':
        return await annotated.webp({ quality: 90 }).toBuffer();
    }
  } catch (error) {
    throw new ApiError(
      422,
      `the stored ${format.toUpperCase()} image cannot be drawn: ${decoderComplaint(error)}`,
      {},
      {
        cause: error,
      },
    );
  }
}
