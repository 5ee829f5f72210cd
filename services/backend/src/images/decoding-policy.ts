import sharp, { type SharpOptions } from 'sharp';
import { ApiError } from '../errors.js';
import type { SupportedFormat } from './image-format.js';

// The libvips operation cache only helps repeated identical operations; a server wants predictable memory.
sharp.cache(false);

/**
 * How both services decode images: the same policy as the model server's (`src/image/decoding-policy.ts` there;
 * the tests check that the two agree). libvips fails on any warning from the format's decoder, so an image whose
 * data ends early is refused even when an end marker was appended after the cut, while bytes after the end of a
 * complete image (Motion Photos, camera trailers) are ignored, as every decoder ignores them.
 */
export const decodingPolicy = { failOn: 'warning' } as const satisfies SharpOptions;

/** The side of the picture a decodability check renders: JPEG and WebP shrink while decoding, so it stays cheap. */
const checkSize = 64;

/**
 * Decodes every byte of the image under the policy, rendering it at a thumbnail's size so that no full-size pixel
 * buffer is ever held. Throws a 400 {@link ApiError} naming the decoder's complaint when the image does not decode.
 */
export async function assertDecodable(
  bytes: Uint8Array,
  format: SupportedFormat,
  maxPixels: number,
): Promise<void> {
  try {
    await sharp(bytes, { ...decodingPolicy, limitInputPixels: maxPixels, sequentialRead: true })
      .resize(checkSize, checkSize, { fit: 'inside' })
      .raw()
      .toBuffer();
  } catch (error) {
    throw new ApiError(
      400,
      `the ${format.toUpperCase()} image cannot be decoded (truncated or corrupt): ${decoderComplaint(error)}`,
      {},
      { cause: error },
    );
  }
}

/** The first line of a libvips error: what the decoder said, without libvips' call trace. */
export function decoderComplaint(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim();
}
