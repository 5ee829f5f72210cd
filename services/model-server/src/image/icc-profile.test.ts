import { readShippedPhoto } from '@detection/test-data';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { describesSrgb, iccProfileDescription } from './icc-profile.js';

async function embeddedProfile(bytes: Uint8Array): Promise<Uint8Array> {
  const { icc } = await sharp(bytes).metadata();
  if (!icc) throw new Error('the image has no ICC profile');
  return icc;
}

describe('iccProfileDescription and describesSrgb', () => {
  it.each([
    ['000000000389.jpg', 'sRGB IEC61966-2.1', true],
    ['000000000540.jpg', 'Nikon sRGB 4.0.0.3002', true],
    ['000000000194.jpg', 'Adobe RGB (1998)', false],
    ['000000000309.jpg', 'Camera RGB Profile', false],
  ])(
    'Should read the ICC v2 profile of the shipped photo %s as "%s" (sRGB: %s)',
    async (name, description, srgb) => {
      const profile = await embeddedProfile(readShippedPhoto(name));
      expect(iccProfileDescription(profile)).toBe(description);
      expect(describesSrgb(profile)).toBe(srgb);
    },
  );

  it.each([
    ['srgb', 'sRGB', true],
    ['p3', 'sP3C', false],
  ])(
    "Should read libvips' built-in %s profile (ICC v4, mluc description)",
    async (name, description, srgb) => {
      const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
        .withIccProfile(name)
        .jpeg()
        .toBuffer();
      const profile = await embeddedProfile(jpeg);
      expect(iccProfileDescription(profile)).toBe(description);
      expect(describesSrgb(profile)).toBe(srgb);
    },
  );

  it('Should give no description for truncated profiles or tag offsets outside the profile, and not call them sRGB', async () => {
    const profile = await embeddedProfile(readShippedPhoto('000000000389.jpg'));
    const corrupt = Uint8Array.from(profile);
    new DataView(corrupt.buffer).setUint32(128, 0xffffffff); // a tag count far beyond the profile
    const badOffset = Uint8Array.from(profile);
    for (let i = 0; i < 20; i++) new DataView(badOffset.buffer).setUint32(132 + i * 12 + 4, 0x7fffffff);
    for (const broken of [new Uint8Array(0), profile.subarray(0, 100), profile.subarray(0, 200), badOffset]) {
      expect(iccProfileDescription(broken)).toBeUndefined();
      expect(describesSrgb(broken)).toBe(false);
    }
    // An overstated tag count: the table is read while it lies inside the profile, so the description is still found.
    expect(describesSrgb(corrupt)).toBe(true);
  });
});
