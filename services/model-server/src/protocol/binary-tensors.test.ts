import { describe, expect, it } from 'vitest';
import { readBytesElements, tensorDataFromBinary, tensorDataToBinary } from './binary-tensors.js';

const bytesElements = (...elements: string[]) =>
  tensorDataToBinary(elements.map((e) => new TextEncoder().encode(e)));

describe('BYTES elements (4-byte little-endian length + bytes)', () => {
  it('Should encode and decode a list of elements, empty ones included', () => {
    const encoded = bytesElements('ab', '', 'xyz');
    expect(Array.from(encoded.subarray(0, 6))).toEqual([2, 0, 0, 0, 0x61, 0x62]);
    expect(readBytesElements('x', encoded, 3).map((e) => Buffer.from(e).toString())).toEqual([
      'ab',
      '',
      'xyz',
    ]);
  });

  it.each([
    ['a short length prefix', Uint8Array.from([2, 0]), 1, /ends before element 0/],
    ['a length past the end', Uint8Array.from([9, 0, 0, 0, 1]), 1, /declares 9 bytes but only 1 remain/],
    ['bytes left over', bytesElements('a', 'b'), 1, /5 bytes left over/],
    ['fewer elements than the shape', bytesElements('a'), 2, /ends before element 1/],
  ])('Should refuse %s', (_, bytes, count, message) => {
    expect(() => readBytesElements('x', bytes, count)).toThrow(message);
  });
});

describe('numeric binary tensors', () => {
  it('Should round-trip little-endian values', () => {
    const values = Float32Array.from([1.5, -2, 1e-3]);
    const decoded = tensorDataFromBinary('x', 'FP32', 3, tensorDataToBinary(values));
    expect(decoded).toEqual(values);
    expect(tensorDataFromBinary('x', 'BOOL', 2, Uint8Array.from([1, 0]))).toEqual(Uint8Array.from([1, 0]));
  });

  it('Should refuse a byte count that does not match the shape', () => {
    expect(() => tensorDataFromBinary('x', 'FP32', 3, new Uint8Array(11))).toThrow(
      '3 FP32 element(s) need 12 bytes, binary_data_size gives 11',
    );
  });
});
