import { describe, expect, it } from 'vitest';
import { decodeModelInferRequest, objectBudget } from './infer-request-decoder.js';
import { inferenceServiceDefinition } from './service-definition.js';

const encode = (message: object) => inferenceServiceDefinition().ModelInfer.requestSerialize(message);

describe('decodeModelInferRequest', () => {
  it('Should read what protobufjs writes: names, parameters of each kind, shapes, every contents type, raw contents', () => {
    const bytes = encode({
      model_name: 'm',
      model_version: '2',
      id: 'r',
      parameters: {
        flag: { bool_param: true },
        count: { int64_param: '-5' },
        big: { uint64_param: '18446744073709551615' },
        text: { string_param: 'person,car' },
        ratio: { double_param: 0.25 },
      },
      inputs: [
        {
          name: 'a',
          datatype: 'FP32',
          shape: [2, 3],
          parameters: { content_type: { string_param: 'x' } },
          contents: {
            bool_contents: [true, false],
            int_contents: [-1, 2147483647],
            int64_contents: ['-9223372036854775808', '7'],
            uint_contents: [4294967295],
            uint64_contents: ['18446744073709551615'],
            fp32_contents: [1.5, -0],
            fp64_contents: [Math.PI],
            bytes_contents: [Buffer.from('hi'), Buffer.alloc(0)],
          },
        },
      ],
      outputs: [{ name: 'o', parameters: { binary_data: { bool_param: false } } }],
      raw_input_contents: [Buffer.from([1, 2, 3])],
    });
    const decoded = decodeModelInferRequest(bytes);
    expect(decoded).toMatchObject({ model_name: 'm', model_version: '2', id: 'r' });
    expect(Object.fromEntries(decoded.parameters)).toEqual({
      flag: { kind: 'bool', value: true },
      count: { kind: 'int64', value: -5n },
      big: { kind: 'uint64', value: 18446744073709551615n },
      text: { kind: 'string', value: 'person,car' },
      ratio: { kind: 'double', value: 0.25 },
    });
    const [input] = decoded.inputs;
    expect(input).toMatchObject({ name: 'a', datatype: 'FP32', shape: [2n, 3n] });
    expect(input!.contents).toEqual({
      bool_contents: new Uint8Array([1, 0]),
      int_contents: new Int32Array([-1, 2147483647]),
      int64_contents: new BigInt64Array([-9223372036854775808n, 7n]),
      uint_contents: new Uint32Array([4294967295]),
      uint64_contents: new BigUint64Array([18446744073709551615n]),
      fp32_contents: new Float32Array([1.5, -0]),
      fp64_contents: new Float64Array([Math.PI]),
      bytes_contents: [Buffer.from('hi'), Buffer.alloc(0)],
    });
    expect(decoded.outputs).toEqual([
      { name: 'o', parameters: new Map([['binary_data', { kind: 'bool', value: false }]]) },
    ]);
    expect(decoded.raw_input_contents.map((raw) => [...raw])).toEqual([[1, 2, 3]]);
  });

  it('Should read unpacked repeated numbers like packed ones, and join repeated contents messages', () => {
    // inputs { shape: 2 (unpacked), shape: [3] (packed), contents { fp32: 1 } contents { fp32: [2, 3] (packed) } }
    const float = (value: number) => [...new Uint8Array(new Float32Array([value]).buffer)];
    const contentsOne = [0x35, ...float(1)];
    const contentsTwo = [0x32, 8, ...float(2), ...float(3)];
    const tensor = [
      0x18,
      2,
      0x1a,
      1,
      3,
      0x2a,
      contentsOne.length,
      ...contentsOne,
      0x2a,
      contentsTwo.length,
      ...contentsTwo,
    ];
    const decoded = decodeModelInferRequest(new Uint8Array([0x2a, tensor.length, ...tensor]));
    expect(decoded.inputs[0]!.shape).toEqual([2n, 3n]);
    expect(decoded.inputs[0]!.contents.fp32_contents).toEqual(new Float32Array([1, 2, 3]));
  });

  it('Should skip unknown fields of every wire type', () => {
    const unknown = [
      0x98,
      0x06,
      0x01,
      0x99,
      0x06,
      ...new Array(8).fill(0),
      0x9a,
      0x06,
      0x01,
      0x00,
      0x9d,
      0x06,
      0,
      0,
      0,
      0,
    ];
    expect(decodeModelInferRequest(new Uint8Array([...unknown, 0x0a, 0x01, 0x6d])).model_name).toBe('m');
  });

  it('Should allow at least 4096 objects, and one per 64 bytes of a larger message', () => {
    expect(objectBudget(100)).toBe(4096);
    expect(objectBudget(64 * 10_000)).toBe(10_000);
  });
});
