/**
 * The description of an ICC profile (its `desc` tag: ICC v2 `textDescriptionType` or v4
 * `multiLocalizedUnicodeType`, first record), or undefined when the profile is too short or malformed.
 */
export function iccProfileDescription(profile: Uint8Array): string | undefined {
  const view = new DataView(profile.buffer, profile.byteOffset, profile.byteLength);
  const inRange = (offset: number, length: number) =>
    offset >= 0 && length >= 0 && offset + length <= profile.length;
  const ascii = (offset: number, length: number) =>
    String.fromCharCode(...profile.subarray(offset, offset + length));
  if (!inRange(128, 4)) return undefined;
  const tags = view.getUint32(128);
  for (let i = 0; i < tags && inRange(132 + i * 12, 12); i++) {
    const entry = 132 + i * 12;
    if (ascii(entry, 4) !== 'desc') continue;
    const offset = view.getUint32(entry + 4);
    const size = view.getUint32(entry + 8);
    if (!inRange(offset, size) || size < 12) return undefined;
    const type = ascii(offset, 4);
    if (type === 'desc') {
      const length = view.getUint32(offset + 8);
      if (length === 0 || length > size - 12) return undefined;
      return ascii(offset + 12, length).replace(/\0+$/, '');
    }
    if (type === 'mluc' && size >= 28) {
      const length = view.getUint32(offset + 20);
      const start = offset + view.getUint32(offset + 24);
      if (!inRange(start, length) || start + length > offset + size) return undefined;
      let text = '';
      for (let k = 0; k + 1 < length; k += 2) text += String.fromCharCode(view.getUint16(start + k));
      return text.replace(/\0+$/, '');
    }
    return undefined;
  }
  return undefined;
}

/**
 * Whether an embedded profile says its pixels are sRGB ("sRGB IEC61966-2.1", "Nikon sRGB 4.0.0.3002", …). Converting
 * such pixels to sRGB is an identity up to rounding, and the conversion (lcms) costs more than the JPEG decode.
 */
export function describesSrgb(profile: Uint8Array): boolean {
  const description = iccProfileDescription(profile);
  return description !== undefined && /(^|[^A-Za-z])sRGB([^A-Za-z]|$)/.test(description);
}
