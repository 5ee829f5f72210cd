import { InvalidInputError } from '../errors.js';
import { isBytesData, NUMERIC_STORAGE, numericFromBytes } from '../inference/datatypes.js';
import type { TensorData, TensorDatatype } from '../inference/types.js';

/** BYTES elements in the binary tensor extension: each a 4-byte little-endian length, then that many bytes. */
export function readBytesElements(name: string, bytes: Uint8Array, count: number): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const elements: Uint8Array[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > bytes.length) {
      throw new InvalidInputError(
        `input "${name}": binary data ends before element ${i} of ${count} (each BYTES element is a 4-byte little-endian length, then the bytes)`,
      );
    }
    const length = view.getUint32(offset, true);
    offset += 4;
    if (offset + length > bytes.length) {
      throw new InvalidInputError(
        `input "${name}": element ${i} declares ${length} bytes but only ${bytes.length - offset} remain`,
      );
    }
    elements.push(bytes.subarray(offset, offset + length));
    offset += length;
  }
  if (offset !== bytes.length) {
    throw new InvalidInputError(
      `input "${name}": ${bytes.length - offset} bytes left over after ${count} BYTES element(s); check binary_data_size`,
    );
  }
  return elements;
}

export function tensorDataFromBinary(
  name: string,
  datatype: TensorDatatype,
  count: number,
  bytes: Uint8Array,
): TensorData {
  if (datatype === 'BYTES') return readBytesElements(name, bytes, count);
  const size = NUMERIC_STORAGE[datatype].BYTES_PER_ELEMENT;
  if (bytes.length !== count * size) {
    throw new InvalidInputError(
      `input "${name}": ${count} ${datatype} element(s) need ${count * size} bytes, binary_data_size gives ${bytes.length}`,
    );
  }
  return numericFromBytes(datatype, bytes);
}

export function tensorDataToBinary(data: TensorData): Uint8Array {
  if (!isBytesData(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const total = data.reduce((sum, element) => sum + 4 + element.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const element of data) {
    view.setUint32(offset, element.length, true);
    out.set(element, offset + 4);
    offset += 4 + element.length;
  }
  return out;
}
