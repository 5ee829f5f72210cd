import { ApiError } from '../errors.js';

const maxFilenameBytes = 255;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const controlCharacters = /[\u0000-\u001f\u007f]/;

/**
 * Checks a client-supplied file name. Names are only ever metadata (blobs are stored under the content hash), but a
 * name that tries to walk directories is hostile input and is refused rather than silently rewritten. `null` when the
 * client sent no real name (none, or the `blob` browsers use for unnamed data).
 */
export function validateUploadFilename(name: string): string | null {
  if (name === '' || name === 'blob') return null;
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

/** A safe display name derived from a URL's last path segment, `null` when nothing usable is left; never throws. */
export function filenameFromUrlSegment(segment: string | null): string | null {
  if (!segment) return null;
  const cleaned = segment
    .replace(/[/\\]/g, '_')
    .replace(new RegExp(controlCharacters.source, 'g'), '')
    .replace(/^\.+/, '')
    .slice(0, 200);
  return cleaned === '' ? null : cleaned;
}
