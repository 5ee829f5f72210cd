import { ApiError } from '../errors.js';

const maxFilenameBytes = 255;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const controlCharacters = /[\u0000-\u001f\u007f]/;

/**
 * Checks a client-supplied file name. Names are only ever metadata (blobs are stored under the content hash), but a
 * name that tries to walk directories is hostile input and is refused rather than silently rewritten.
 */
export function validateUploadFilename(name: string, fallback: string): string {
  if (name === '' || name === 'blob') return fallback;
  if (name.includes('/') || name.includes('\\') || name === '.' || name === '..' || name.startsWith('..')) {
    throw new ApiError(
      400,
      `invalid file name ${JSON.stringify(name)}: it must not contain path separators or ".."`,
    );
  }
  if (controlCharacters.test(name)) {
    throw new ApiError(400, 'invalid file name: it contains control characters');
  }
  if (Buffer.byteLength(name, 'utf8') > maxFilenameBytes) {
    throw new ApiError(400, `invalid file name: longer than ${maxFilenameBytes} bytes`);
  }
  return name;
}

/** A safe display name derived from a URL's last path segment; never throws. */
export function filenameFromUrlSegment(segment: string | null, fallback: string): string {
  if (!segment) return fallback;
  const cleaned = segment
    .replace(/[/\\]/g, '_')
    .replace(new RegExp(controlCharacters.source, 'g'), '')
    .replace(/^\.+/, '')
    .slice(0, 200);
  return cleaned === '' ? fallback : cleaned;
}
