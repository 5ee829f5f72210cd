import { InvalidInputError } from '../errors.js';
import { floatToHalf, halfToFloat, isBytesData, NUMERIC_STORAGE } from '../inference/datatypes.js';
import type { TensorData, TensorDatatype } from '../inference/types.js';

const MAX_NESTING = 32;
const INTEGER_RANGES: Partial<Record<TensorDatatype, [number, number]>> = {
  UINT8: [0, 0xff],
  UINT16: [0, 0xffff],
  UINT32: [0, 0xffffffff],
  INT8: [-0x80, 0x7f],
  INT16: [-0x8000, 0x7fff],
  INT32: [-0x80000000, 0x7fffffff],
};
const BIGINT_RANGES: Partial<Record<TensorDatatype, [bigint, bigint]>> = {
  INT64: [-(2n ** 63n), 2n ** 63n - 1n],
  UINT64: [0n, 2n ** 64n - 1n],
};

export type BytesEncoding = 'utf8' | 'base64';

/** Row-major elements of nested or flat JSON tensor data; at most `limit` of them. */
export function flattenJsonData(name: string, data: unknown, limit: number): unknown[] {
  if (!Array.isArray(data)) throw new InvalidInputError(`input "${name}": "data" must be an array`);
  const flat: unknown[] = [];
  const visit = (values: unknown[], depth: number) => {
    if (depth > MAX_NESTING) throw new InvalidInputError(`input "${name}": "data" is nested too deeply`);
    for (const value of values) {
      if (Array.isArray(value)) visit(value, depth + 1);
      else {
        if (flat.length >= limit) {
          throw new InvalidInputError(
            `input "${name}": "data" has more than the ${limit} element(s) its shape holds`,
          );
        }
        flat.push(value);
      }
    }
  };
  visit(data, 0);
  return flat;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const DATA_URL = /^data:[^,]*;base64,/;
const encoder = new TextEncoder();

export function decodeBase64(name: string, index: number, text: string): Uint8Array {
  const body = text.replace(DATA_URL, '').replace(/\s+/g, '');
  if (!BASE64.test(body) || body.replace(/=+$/, '').length % 4 === 1) {
    throw new InvalidInputError(`input "${name}" element ${index} is not valid base64`);
  }
  const buffer = Buffer.from(body, body.includes('-') || body.includes('_') ? 'base64url' : 'base64');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function elementError(name: string, index: number, expected: string, value: unknown): InvalidInputError {
  const shown = JSON.stringify(value);
  return new InvalidInputError(
    `input "${name}" element ${index}: expected ${expected}, got ${shown === undefined ? String(value) : shown.slice(0, 40)}`,
  );
}

/**
 * JSON elements (already flattened and counted), or any list of elements such as a gRPC message's typed array,
 * → tensor storage of `datatype`, with type and range checks.
 */
export function tensorDataFromJson(
  name: string,
  datatype: TensorDatatype,
  values: ArrayLike<unknown>,
  bytesEncoding: BytesEncoding,
): TensorData {
  if (datatype === 'BYTES') {
    return Array.from(values, (value, i) => {
      if (typeof value !== 'string') throw elementError(name, i, 'a string', value);
      return bytesEncoding === 'base64' ? decodeBase64(name, i, value) : encoder.encode(value);
    });
  }
  const bigRange = BIGINT_RANGES[datatype];
  if (bigRange) {
    const out = datatype === 'INT64' ? new BigInt64Array(values.length) : new BigUint64Array(values.length);
    Array.prototype.forEach.call(values, (value: unknown, i: number) => {
      let big: bigint;
      if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value);
      else if (typeof value === 'string' && /^-?[0-9]{1,20}$/.test(value)) big = BigInt(value);
      else throw elementError(name, i, `an integer (${datatype})`, value);
      if (big < bigRange[0] || big > bigRange[1]) throw elementError(name, i, `a ${datatype} value`, value);
      out[i] = big;
    });
    return out;
  }
  const Storage = NUMERIC_STORAGE[datatype];
  const out = new Storage(values.length);
  const numbers = out as Exclude<typeof out, BigInt64Array | BigUint64Array>;
  const range = INTEGER_RANGES[datatype];
  Array.prototype.forEach.call(values, (value: unknown, i: number) => {
    if (datatype === 'BOOL') {
      if (typeof value === 'boolean') numbers[i] = value ? 1 : 0;
      else if (value === 0 || value === 1) numbers[i] = value;
      else throw elementError(name, i, 'true or false', value);
      return;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) throw elementError(name, i, 'a number', value);
    if (range) {
      if (!Number.isInteger(value) || value < range[0] || value > range[1]) {
        throw elementError(name, i, `an integer from ${range[0]} to ${range[1]}`, value);
      }
      numbers[i] = value;
    } else if (datatype === 'FP16') {
      numbers[i] = floatToHalf(value);
    } else {
      numbers[i] = value;
    }
  });
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** JSON has no NaN or infinities: they travel as the strings "NaN", "Infinity" and "-Infinity". */
const jsonNumber = (value: number): number | string => (Number.isFinite(value) ? value : String(value));

/** Tensor storage → flat JSON elements. BYTES come back as UTF-8 strings, or base64 if any element is not UTF-8. */
export function tensorDataToJson(
  datatype: TensorDatatype,
  data: TensorData,
): { values: unknown[]; bytesEncoding?: BytesEncoding } {
  if (isBytesData(data)) {
    try {
      return { values: data.map((bytes) => utf8.decode(bytes)) };
    } catch {
      return { values: data.map((bytes) => Buffer.from(bytes).toString('base64')), bytesEncoding: 'base64' };
    }
  }
  if (datatype === 'BOOL') return { values: Array.from(data as Uint8Array, (v) => v !== 0) };
  if (data instanceof BigInt64Array || data instanceof BigUint64Array)
    return { values: Array.from(data, Number) };
  if (datatype === 'FP16')
    return { values: Array.from(data as Uint16Array, (bits) => jsonNumber(halfToFloat(bits))) };
  if (datatype === 'FP32' || datatype === 'FP64')
    return { values: Array.from(data as Float32Array, jsonNumber) };
  return { values: Array.from(data as ArrayLike<number>) };
}
