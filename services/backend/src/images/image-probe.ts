import sharp, { type Metadata } from 'sharp';
import { ApiError } from '../errors.js';
import { contentTypeOf, isSupportedFormat, type SupportedFormat, sniffImageFormat } from './image-format.js';

export interface ProbedImage {
  format: SupportedFormat;
  contentType: string;
  /** Dimensions after EXIF orientation is applied: the space the model server reports boxes in. */
  width: number;
  height: number;
}

/**
 * Validates an uploaded image from its bytes without decoding the pixels: known and supported format, readable
 * header, pixel count within the limit (a decompression bomb is refused from its header alone). Whether the pixels
 * decode is the decoder's call (`assertDecodable`, or the model server's under the same policy).
 */
export async function probeImage(bytes: Uint8Array, maxPixels: number): Promise<ProbedImage> {
  if (bytes.byteLength === 0) throw new ApiError(400, 'the image is empty (0 bytes)');
  const sniffed = sniffImageFormat(bytes);
  if (sniffed === null) {
    throw new ApiError(400, 'the file is not an image: expected JPEG, PNG or WebP bytes');
  }
  if (!isSupportedFormat(sniffed)) {
    throw new ApiError(415, `unsupported image format "${sniffed}": expected JPEG, PNG or WebP`);
  }
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new ApiError(
      400,
      `the ${sniffed.toUpperCase()} image header cannot be read: ${(error as Error).message}`,
    );
  }
  if (metadata.format !== sniffed && !(sniffed === 'jpeg' && metadata.format === 'jpeg')) {
    throw new ApiError(
      400,
      `the image claims to be ${sniffed.toUpperCase()} but decodes as ${metadata.format}`,
    );
  }
  const { width, height } = metadata.autoOrient ?? metadata;
  if (!width || !height) throw new ApiError(400, 'the image has no dimensions');
  if (width * height > maxPixels) {
    throw new ApiError(
      413,
      `the image is ${width}x${height} (${width * height} pixels), more than the limit of ${maxPixels} pixels`,
    );
  }
  if ((metadata.pages ?? 1) > 1) {
    throw new ApiError(415, 'animated or multi-page images are not supported: upload a single frame');
  }
  return { format: sniffed, contentType: contentTypeOf[sniffed], width, height };
}
