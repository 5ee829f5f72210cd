import { ApiError } from '../errors.js';

/** The one byte range a `Range` header asks for, inclusive; null for no header (the whole body). */
export function parseByteRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null {
  if (header === undefined) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) {
    throw new ApiError(416, `unsupported Range "${header}": expected one range, bytes=start-end`);
  }
  let start: number;
  let end: number;
  if (match[1] === '') {
    // bytes=-N: the last N bytes.
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) {
    throw new ApiError(416, `the range ${header} is outside the ${size}-byte file`, {}, {});
  }
  return { start, end };
}
