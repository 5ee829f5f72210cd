import { readFile } from 'node:fs/promises';
import { shippedPhotos, testImages } from '@detection/test-data';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { embeddedIccProfile } from './embedded-icc-profile.js';
import { iccProfileDescription } from './icc-profile.js';
import { sniffImageFormat } from './image-format.js';

const profileOf = (bytes: Uint8Array) => embeddedIccProfile(bytes, sniffImageFormat(bytes)!);
const sharpProfile = async (bytes: Uint8Array) => (await sharp(bytes).metadata()).icc;

/** A JPEG whose one APP2 ICC_PROFILE segment is split into two, given in reverse order. */
function splitIccSegment(jpeg: Buffer): Buffer {
  const start = jpeg.indexOf(Buffer.from('ICC_PROFILE\0')) - 4;
  const length = jpeg.readUInt16BE(start + 2);
  const profile = jpeg.subarray(start + 18, start + 2 + length);
  const half = Math.floor(profile.length / 2);
  const segment = (sequence: number, data: Buffer) => {
    const header = Buffer.alloc(18);
    header.writeUInt16BE(0xffe2, 0);
    header.writeUInt16BE(16 + data.length, 2);
    header.write('ICC_PROFILE\0', 4, 'latin1');
    header[16] = sequence;
    header[17] = 2;
    return Buffer.concat([header, data]);
  };
  return Buffer.concat([
    jpeg.subarray(0, start),
    segment(2, profile.subarray(half)),
    segment(1, profile.subarray(0, half)),
    jpeg.subarray(start + 2 + length),
  ]);
}

describe('embeddedIccProfile', () => {
  it('Should read the profile libvips reads from every shipped photo and test image, or none when it finds none', async () => {
    const files = [
      ...(await Promise.all(shippedPhotos.map(async (photo) => new Uint8Array(await readFile(photo.file))))),
      ...(await testImages()).map((image) => new Uint8Array(image.bytes)),
    ];
    let withProfile = 0;
    for (const bytes of files) {
      const expected = await sharpProfile(bytes);
      const found = profileOf(bytes);
      expect(found && Buffer.from(found)).toEqual(expected);
      if (expected) withProfile++;
    }
    expect(withProfile).toBeGreaterThan(3);
  });

  it.each(['jpeg', 'png', 'webp'] as const)(
    'Should read a Display P3 profile embedded in a %s',
    async (format) => {
      const bytes = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#80a0c0' } })
        .withIccProfile('p3')
        .toFormat(format)
        .toBuffer();
      const profile = profileOf(bytes)!;
      expect(Buffer.from(profile)).toEqual(await sharpProfile(bytes));
      expect(iccProfileDescription(profile)).toMatch(/P3/);
    },
  );

  it('Should join a JPEG profile split over several segments in their sequence order', async () => {
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#102030' } })
      .withIccProfile('p3')
      .jpeg()
      .toBuffer();
    const split = splitIccSegment(jpeg);
    expect(Buffer.from(profileOf(split)!)).toEqual(await sharpProfile(jpeg));
    expect(await sharpProfile(split)).toEqual(await sharpProfile(jpeg));
  });

  it('Should find nothing in headers it cannot walk, leaving the decoder to judge the file', async () => {
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#102030' } })
      .withIccProfile('p3')
      .jpeg()
      .toBuffer();
    const png = await sharp(jpeg).withIccProfile('p3').png().toBuffer();
    expect(profileOf(jpeg.subarray(0, 30))).toBeUndefined();
    expect(profileOf(Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0x00, 0x11])]))).toBeUndefined();
    expect(profileOf(png.subarray(0, 40))).toBeUndefined();
    // The zlib header of the compressed profile, after the chunk's name and compression method.
    const corrupt = Buffer.from(png);
    const zlibStart = corrupt.indexOf(0, corrupt.indexOf(Buffer.from('iCCP')) + 4) + 2;
    corrupt.writeUInt8(corrupt.readUInt8(zlibStart) ^ 0xff, zlibStart);
    expect(profileOf(corrupt)).toBeUndefined();
    expect(profileOf(png)).toBeDefined();
  });
});
