import type { SharpOptions } from 'sharp';

/**
 * How both services decode images; the backend keeps the same policy (`src/images/decoding-policy.ts`) and its tests
 * check that the two agree. libvips fails on any warning from the format's decoder, so an image whose data ends
 * early is refused even when an end marker was appended after the cut (libjpeg would otherwise fill the rest with
 * grey), while bytes after the end of a complete image (Motion Photos, camera trailers) are ignored, as every
 * decoder ignores them.
 */
export const decodingPolicy = { failOn: 'warning' } as const satisfies SharpOptions;
