import { inflateSync } from 'node:zlib';
import { ascii, type ImageFormat } from './image-format.js';

const JPEG_ICC_MARKER = 'ICC_PROFILE\0';

/** APP2 "ICC_PROFILE" segments before the first scan, joined in their sequence order (a profile may span several). */
function jpegProfile(bytes: Uint8Array): Uint8Array | undefined {
  const chunks: Array<{ sequence: number; data: Uint8Array }> = [];
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1]!;
    // Fill bytes, and markers without a length (TEM, RSTn).
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2;
      continue;
    }
    // Start of scan or end of image: no metadata segment comes after the first scan's header.
    if (marker === 0xda || marker === 0xd9) break;
    const length = (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
    if (length < 2 || offset + 2 + length > bytes.length) return undefined;
    const start = offset + 4;
    if (marker === 0xe2 && length >= 16 && ascii(bytes, start, 12) === JPEG_ICC_MARKER) {
      chunks.push({ sequence: bytes[start + 12]!, data: bytes.subarray(start + 14, offset + 2 + length) });
    }
    offset += 2 + length;
  }
  if (chunks.length === 0) return undefined;
  chunks.sort((a, b) => a.sequence - b.sequence);
  return chunks.length === 1 ? chunks[0]!.data : Buffer.concat(chunks.map((chunk) => chunk.data));
}

/** The `iCCP` chunk before the image data: a name, a compression method (0 = zlib) and the compressed profile. */
function pngProfile(bytes: Uint8Array): Uint8Array | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  while (offset + 8 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = ascii(bytes, offset + 4, 4);
    const start = offset + 8;
    if (type === 'IDAT' || type === 'IEND' || start + length > bytes.length) return undefined;
    if (type === 'iCCP') {
      const data = bytes.subarray(start, start + length);
      const nameEnd = data.indexOf(0);
      if (nameEnd < 1 || nameEnd > 79 || data[nameEnd + 1] !== 0) return undefined;
      return new Uint8Array(inflateSync(data.subarray(nameEnd + 2), { maxOutputLength: 16 << 20 }));
    }
    offset = start + length + 4;
  }
  return undefined;
}

/** The `ICCP` chunk of an extended (VP8X) WebP file. */
function webpProfile(bytes: Uint8Array): Uint8Array | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const type = ascii(bytes, offset, 4);
    const length = view.getUint32(offset + 4, true);
    const start = offset + 8;
    if (start + length > bytes.length) return undefined;
    if (type === 'ICCP') return bytes.subarray(start, start + length);
    // The profile, when there is one, comes right after VP8X and before the image data.
    if (type === 'VP8 ' || type === 'VP8L' || type === 'ANIM' || type === 'ALPH') return undefined;
    offset = start + length + (length & 1);
  }
  return undefined;
}

/**
 * The ICC profile embedded in a JPEG, PNG or WebP file, read from its headers without decoding anything; undefined
 * when there is none or the headers cannot be walked (the decoder then judges the file).
 */
export function embeddedIccProfile(bytes: Uint8Array, format: ImageFormat): Uint8Array | undefined {
  try {
    if (format === 'jpeg') return jpegProfile(bytes);
    if (format === 'png') return pngProfile(bytes);
    return webpProfile(bytes);
  } catch {
    return undefined;
  }
}
