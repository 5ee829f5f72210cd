import { getFloat16Decoder } from '@tensorflow/tfjs-core/dist/io/io_utils.js';
import { describe, expect, it } from 'vitest';
import { decodeWeights, float16ToFloat32, WeightFormatError } from './weights.js';

describe('float16ToFloat32', () => {
  it.each([
    [0x0000, 0],
    [0x3c00, 1],
    [0xc000, -2],
    [0x3555, 0.333251953125],
    [0x7bff, 65504],
    [0x0001, 2 ** -24],
    [0x03ff, 1023 * 2 ** -24],
    [0x7c00, Number.POSITIVE_INFINITY],
    [0xfc00, Number.NEGATIVE_INFINITY],
  ])('Should decode 0x%s exactly', (bits, expected) => {
    expect(float16ToFloat32(bits)).toBe(expected);
  });

  it('Should decode NaN', () => {
    expect(float16ToFloat32(0x7e00)).toBeNaN();
  });

  it("Should agree with tfjs-core's own decoder on all 65536 bit patterns", () => {
    const all = Uint16Array.from({ length: 0x10000 }, (_, bits) => bits);
    const reference = getFloat16Decoder()(all);
    for (const bits of all)
      expect(Object.is(float16ToFloat32(bits), reference[bits]) || Number.isNaN(reference[bits])).toBe(true);
  });
});

describe('decodeWeights', () => {
  it('Should read float32, int32 and bool weights in manifest order', () => {
    const data = Buffer.concat([
      Buffer.from(new Float32Array([1.5, -2]).buffer),
      Buffer.from(new Int32Array([7, -9, 11]).buffer),
      Buffer.from([1, 0]),
    ]);
    const weights = decodeWeights(
      [
        { name: 'f', shape: [2], dtype: 'float32' },
        { name: 'i', shape: [3], dtype: 'int32' },
        { name: 'b', shape: [2], dtype: 'bool' },
      ],
      data,
    );
    expect(Array.from(weights.get('f')!.values)).toEqual([1.5, -2]);
    expect(Array.from(weights.get('i')!.values)).toEqual([7, -9, 11]);
    expect(Array.from(weights.get('b')!.values)).toEqual([1, 0]);
  });

  it('Should dequantize float16 weights', () => {
    const data = Buffer.from(new Uint16Array([0x3c00, 0xc000, 0x3555]).buffer);
    const weights = decodeWeights(
      [
        {
          name: 'w',
          shape: [3],
          dtype: 'float32',
          quantization: { dtype: 'float16', original_dtype: 'float32' },
        },
      ],
      data,
    );
    expect(Array.from(weights.get('w')!.values)).toEqual([1, -2, 0.333251953125]);
  });

  it('Should dequantize affine uint8 and uint16 weights as tfjs does (q * scale + min, rounded for int32)', () => {
    const data = Buffer.concat([Buffer.from([0, 10, 255]), Buffer.from(new Uint16Array([0, 3]).buffer)]);
    const weights = decodeWeights(
      [
        { name: 'a', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
        { name: 'b', shape: [2], dtype: 'int32', quantization: { dtype: 'uint16', scale: 0.4, min: 1 } },
      ],
      data,
    );
    expect(Array.from(weights.get('a')!.values)).toEqual([-1, 4, 126.5]);
    expect(Array.from(weights.get('b')!.values)).toEqual([1, 2]);
  });

  it('Should name the weight when the shards are too short', () => {
    expect(() => decodeWeights([{ name: 'big', shape: [4], dtype: 'float32' }], new Uint8Array(8))).toThrow(
      /weight "big" needs bytes 0..16 but the shards hold 8/,
    );
  });

  it('Should refuse trailing bytes the manifest does not describe', () => {
    expect(() => decodeWeights([{ name: 'w', shape: [1], dtype: 'float32' }], new Uint8Array(8))).toThrow(
      WeightFormatError,
    );
  });

  it('Should refuse string weights', () => {
    expect(() => decodeWeights([{ name: 's', shape: [1], dtype: 'string' }], new Uint8Array(0))).toThrow(
      /weight "s" has unsupported dtype "string"/,
    );
  });
});
