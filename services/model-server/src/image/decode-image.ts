import sharp from 'sharp';
import { InvalidInputError, PayloadTooLargeError } from '../errors.js';
import { decodingPolicy } from './decoding-policy.js';
import { embeddedIccProfile } from './embedded-icc-profile.js';
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

async function pixelLimitError(bytes: Uint8Array, maxPixels: number): Promise<PayloadTooLargeError> {
  const size = await sharp(bytes, { limitInputPixels: false })
    .metadata()
    .then((metadata) => metadata.autoOrient)
    .catch(() => undefined);
  return new PayloadTooLargeError(
    size
      ? `the image is ${size.width}x${size.height} = ${size.width * size.height} pixels, over the limit of ${maxPixels}`
      : `the image has more than the limit of ${maxPixels} pixels`,
  );
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
    // libvips refuses an image over the limit from its header, before any pixel is decoded. Reading the header
    // first costs a trip to the thread pool (0.8 ms); only a cubic resize needs the size before the decode.
    let orientedSize: { width: number; height: number } | undefined;
    if (options.cubicResize) {
      orientedSize = (await sharp(bytes, { limitInputPixels: false }).metadata()).autoOrient;
      if (orientedSize.width * orientedSize.height > options.maxPixels)
        throw await pixelLimitError(bytes, options.maxPixels);
    }
    const profile = embeddedIccProfile(bytes, format);
    const input = sharp(bytes, {
      ...decodingPolicy,
      limitInputPixels: options.maxPixels,
      autoOrient: true,
      sequentialRead: true,
      // Pixels tagged sRGB are sRGB already: the conversion would cost more than the decode and move some values
      // by one level. Any other embedded profile (Adobe RGB, camera profiles) is still converted to sRGB, and so
      // is whatever libvips finds in headers that embeddedIccProfile could not walk.
      ignoreIcc: profile !== undefined && describesSrgb(profile),
    });
    let pipeline = input.toColourspace('srgb').removeAlpha();
    if (options.cubicResize && orientedSize) {
      const target = options.cubicResize(orientedSize.width, orientedSize.height);
      pipeline = pipeline.resize(target.width, target.height, { fit: 'fill', kernel: 'cubic' });
    }
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3)
      throw new InvalidInputError(`the image decoded to ${info.channels} channels, not 3`);
    return {
      format,
      width: info.width,
      height: info.height,
      originalWidth: orientedSize?.width ?? info.width,
      originalHeight: orientedSize?.height ?? info.height,
      pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
  } catch (error) {
    if (error instanceof InvalidInputError || error instanceof PayloadTooLargeError) throw error;
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    if (reason?.includes('pixel limit')) throw await pixelLimitError(bytes, options.maxPixels);
    throw new InvalidInputError(`the ${format.toUpperCase()} image cannot be decoded: ${reason}`, {
      cause: error,
    });
  }
}
