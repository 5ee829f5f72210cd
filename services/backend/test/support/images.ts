import zlib from 'node:zlib';
import sharp from 'sharp';

/** A small synthetic picture (a gradient with a few shapes) in the given format. */
export async function syntheticImage(
  format: 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' = 'jpeg',
  width = 96,
  height = 64,
  seed = 0,
): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g"><stop offset="0" stop-color="#${(0x203040 + seed * 0x010101).toString(16).padStart(6, '0')}"/><stop offset="1" stop-color="#e0c080"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <circle cx="${width / 3}" cy="${height / 2}" r="${height / 4}" fill="#3060c0"/>
    <rect x="${width / 2}" y="${height / 4}" width="${width / 4}" height="${height / 2}" fill="#c03030"/>
  </svg>`;
  return sharp(Buffer.from(svg)).toFormat(format).toBuffer();
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A decompression bomb: a tiny, well-formed PNG whose header claims `width` x `height` pixels of 1-bit grey and
 * whose single IDAT compresses a few rows of zeros (decoding it whole would need gigabytes).
 */
export function pngBomb(width = 60_000, height = 60_000): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1; // bit depth
  header[9] = 0; // greyscale
  const rowBytes = Math.ceil(width / 8) + 1;
  const idat = zlib.deflateSync(Buffer.alloc(rowBytes * 16), { level: 9 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A real JPEG whose frame header (SOF) is rewritten to claim `width` x `height` pixels. */
export function jpegWithClaimedSize(jpeg: Buffer, width: number, height: number): Buffer {
  const copy = Buffer.from(jpeg);
  for (let i = 2; i < copy.length - 8; ) {
    if (copy[i] !== 0xff) throw new Error('not a JPEG marker');
    const marker = copy[i + 1]!;
    const length = copy.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      copy.writeUInt16BE(height, i + 5);
      copy.writeUInt16BE(width, i + 7);
      return copy;
    }
    i += 2 + length;
  }
  throw new Error('no SOF marker found');
}

export function multipart(file: Blob | string | null, filename = 'photo.jpg', field = 'file'): FormData {
  const form = new FormData();
  if (file === null) form.append('note', 'no file here');
  else if (typeof file === 'string') form.append(field, file);
  else form.append(field, file, filename);
  return form;
}

export const blobOf = (bytes: Uint8Array, type = 'application/octet-stream') =>
  new Blob([new Uint8Array(bytes)], { type });
