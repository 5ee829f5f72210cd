import { describe, expect, it } from 'vitest';
import { elementCount, floatToHalf, halfToFloat, numericFromBytes } from './datatypes.js';

describe('half precision', () => {
  it.each([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff],
    [65520, 0x7c00], // rounds to infinity
    [Number.POSITIVE_INFINITY, 0x7c00],
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -14, 0x0400], // smallest normal
    [1 + 2 ** -11, 0x3c00], // halfway: ties to even
    [1 + 3 * 2 ** -11, 0x3c02],
  ])('Should encode %s as %s', (value, bits) => {
    expect(floatToHalf(value)).toBe(bits);
  });

  it('Should round-trip every finite half value', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00) continue;
      expect(floatToHalf(halfToFloat(bits))).toBe(bits);
    }
    expect(Number.isNaN(halfToFloat(0x7e00))).toBe(true);
  });
});

describe('tensor storage helpers', () => {
  it('Should count elements of a shape (scalar = 1, any zero = 0)', () => {
    expect([elementCount([]), elementCount([2, 3, 4]), elementCount([5, 0])]).toEqual([1, 24, 0]);
  });

  it('Should read little-endian values from unaligned bytes', () => {
    const bytes = new Uint8Array(9);
    new DataView(bytes.buffer).setFloat64(1, -1.5, true);
    expect(numericFromBytes('FP64', bytes.subarray(1))).toEqual(Float64Array.from([-1.5]));
    expect(numericFromBytes('INT16', Uint8Array.from([0xff, 0xff, 0x02, 0x00]))).toEqual(
      Int16Array.from([-1, 2]),
    );
  });
});
