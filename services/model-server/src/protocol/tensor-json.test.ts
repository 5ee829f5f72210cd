import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { decodeBase64, flattenJsonData, tensorDataFromJson, tensorDataToJson } from './tensor-json.js';

describe('flattenJsonData', () => {
  it('Should flatten nested rows in row-major order', () => {
    expect(
      flattenJsonData(
        'x',
        [
          [1, 2],
          [3, [4, 5]],
        ],
        10,
      ),
    ).toEqual([1, 2, 3, 4, 5]);
  });

  it.each([
    ['not an array', 'abc', 10, /must be an array/],
    ['too many elements', [1, 2, 3], 2, /more than the 2 element\(s\) its shape holds/],
    ['nested too deeply', JSON.parse(`${'['.repeat(40)}1${']'.repeat(40)}`), 10, /nested too deeply/],
  ])('Should refuse %s', (_, data, limit, message) => {
    expect(() => flattenJsonData('x', data, limit)).toThrow(message);
  });
});

describe('tensorDataFromJson', () => {
  it.each([
    ['BOOL', [true, false, 1, 0], Uint8Array, [1, 0, 1, 0]],
    ['UINT8', [0, 255], Uint8Array, [0, 255]],
    ['INT8', [-128, 127], Int8Array, [-128, 127]],
    ['UINT16', [65535], Uint16Array, [65535]],
    ['INT32', [-2147483648, 2147483647], Int32Array, [-2147483648, 2147483647]],
    ['UINT32', [4294967295], Uint32Array, [4294967295]],
    ['FP32', [0.5, -1e10], Float32Array, [0.5, Math.fround(-1e10)]],
    ['FP64', [Math.PI], Float64Array, [Math.PI]],
    ['FP16', [1, -2], Uint16Array, [0x3c00, 0xc000]],
  ] as const)('Should store %s', (datatype, values, Storage, expected) => {
    const data = tensorDataFromJson('x', datatype, values, 'utf8');
    expect(data).toBeInstanceOf(Storage);
    expect(Array.from(data as ArrayLike<number>)).toEqual(expected);
  });

  it('Should store 64-bit integers from numbers and from digit strings (beyond 2^53)', () => {
    expect(
      Array.from(tensorDataFromJson('x', 'INT64', [-5, '9223372036854775807'], 'utf8') as BigInt64Array),
    ).toEqual([-5n, 9223372036854775807n]);
    expect(
      Array.from(tensorDataFromJson('x', 'UINT64', ['18446744073709551615'], 'utf8') as BigUint64Array),
    ).toEqual([18446744073709551615n]);
  });

  it('Should read BYTES as UTF-8, or as base64 (also URL-safe and data URLs) when asked', () => {
    const [text] = tensorDataFromJson('x', 'BYTES', ['héllo'], 'utf8') as Uint8Array[];
    expect(Buffer.from(text!).toString('utf8')).toBe('héllo');
    const decoded = tensorDataFromJson(
      'x',
      'BYTES',
      ['AAEC/w==', 'AAEC_w', 'data:image/png;base64,AAEC/w=='],
      'base64',
    ) as Uint8Array[];
    expect(decoded.map((bytes) => Array.from(bytes))).toEqual([
      [0, 1, 2, 255],
      [0, 1, 2, 255],
      [0, 1, 2, 255],
    ]);
  });

  it.each([
    ['BOOL', ['yes'], /element 0: expected true or false, got "yes"/],
    ['UINT8', [256], /expected an integer from 0 to 255, got 256/],
    ['INT8', [1.5], /expected an integer from -128 to 127/],
    ['INT32', ['7'], /expected a number, got "7"/],
    ['FP32', [null], /expected a number, got null/],
    ['FP32', [{}], /expected a number/],
    ['INT64', [1e300], /an integer \(INT64\)/],
    ['INT64', ['9223372036854775808'], /a INT64 value/],
    ['UINT64', [-1], /a UINT64 value/],
    ['BYTES', [42], /expected a string/],
  ] as const)('Should refuse %s data %j', (datatype, values, message) => {
    expect(() => tensorDataFromJson('x', datatype, values, 'utf8')).toThrow(InvalidInputError);
    expect(() => tensorDataFromJson('x', datatype, values, 'utf8')).toThrow(message);
  });

  it.each(['not base64!', 'abcde', '****'])('Should refuse invalid base64 %j', (text) => {
    expect(() => decodeBase64('image', 0, text)).toThrow(/not valid base64/);
  });
});

describe('tensorDataToJson', () => {
  it('Should write numbers, booleans, halves and 64-bit integers as JSON values', () => {
    expect(tensorDataToJson('BOOL', Uint8Array.from([1, 0])).values).toEqual([true, false]);
    expect(tensorDataToJson('FP16', Uint16Array.from([0x3c00])).values).toEqual([1]);
    expect(tensorDataToJson('INT64', BigInt64Array.from([-3n])).values).toEqual([-3]);
    expect(
      tensorDataToJson('FP32', Float32Array.from([0.5, Number.NaN, Number.NEGATIVE_INFINITY])).values,
    ).toEqual([0.5, 'NaN', '-Infinity']);
  });

  it('Should write BYTES as strings, switching to base64 when an element is not UTF-8', () => {
    expect(tensorDataToJson('BYTES', [Buffer.from('person')])).toEqual({ values: ['person'] });
    expect(tensorDataToJson('BYTES', [Uint8Array.from([0xff, 0xfe])])).toEqual({
      values: ['//4='],
      bytesEncoding: 'base64',
    });
  });
});
