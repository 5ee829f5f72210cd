import sharp from 'sharp';
import { InvalidInputError, PayloadTooLargeError } from '../errors.js';
import { decodingPolicy } from './decoding-policy.js';
import { describesSrgb } from './icc-profile.js';
import { type ImageFormat, sniffImageFormat } from './image-format.js';
import type { RgbImage } from './rgb-image.js';

// The libvips operation cache only helps repeated identical operations; a server wants predictable memory.
sharp.cache(false);

export interface DecodeOptions {
  maxPixels: number;
  /** Resize with libvips' cubic kernel while decoding, to the size chosen from the oriented image size. */
  cubicResize?: (width: number, height: number) => { width: number; height: number };
}

export interface DecodedImage extends RgbImage {
  format: ImageFormat;
  /** Size of the decoded image after EXIF orientation, before any resize. */
  originalWidth: number;
  originalHeight: number;
}

/**
 * Decodes a JPEG, PNG or WebP into 8-bit sRGB pixels: EXIF orientation applied, an embedded ICC profile other than
 * sRGB converted to sRGB, alpha dropped, at most
 * `maxPixels` pixels. Throws InvalidInputError for anything undecodable and PayloadTooLargeError over the limit.
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions): Promise<DecodedImage> {
  const format = sniffImageFormat(bytes);
  if (!format) {
    throw new InvalidInputError(
      bytes.length === 0 ? 'the image is empty' : 'the image is not a JPEG, PNG or WebP file',
    );
  }
  try {
    // The header alone gives the size, so an oversized image is refused before any pixel is decoded.
    const metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
    const { width, height } = metadata.autoOrient;
    if (width * height > options.maxPixels) {
      throw new PayloadTooLargeError(
        `the image is ${width}x${height} = ${width * height} pixels, over the limit of ${options.maxPixels}`,
      );
    }
    const input = sharp(bytes, {
      ...decodingPolicy,
      limitInputPixels: options.maxPixels,
      autoOrient: true,
      sequentialRead: true,
      // Pixels tagged sRGB are sRGB already: the conversion would cost more than the decode and move some values
      // by one level. Any other embedded profile (Adobe RGB, camera profiles) is still converted to sRGB.
      ignoreIcc: metadata.icc !== undefined && describesSrgb(metadata.icc),
    });
    let pipeline = input.toColourspace('srgb').removeAlpha();
    if (options.cubicResize) {
      const target = options.cubicResize(width, height);
      pipeline = pipeline.resize(target.width, target.height, { fit: 'fill', kernel: 'cubic' });
    }
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3)
      throw new InvalidInputError(`the image decoded to ${info.channels} channels, not 3`);
    return {
      format,
      width: info.width,
      height: info.height,
      originalWidth: width,
      originalHeight: height,
      pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
  } catch (error) {
    if (error instanceof InvalidInputError || error instanceof PayloadTooLargeError) throw error;
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    if (reason?.includes('pixel limit')) {
      throw new PayloadTooLargeError(`the image has more than the limit of ${options.maxPixels} pixels`);
    }
    throw new InvalidInputError(`the ${format.toUpperCase()} image cannot be decoded: ${reason}`, {
      cause: error,
    });
  }
}
