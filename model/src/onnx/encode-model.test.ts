import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { OnnxDataType } from './data-type.js';
import { encodeOnnxModel } from './encode-model.js';
import type { OnnxModel } from './model.js';

function affineModel(): OnnxModel {
  const weights = new Float32Array([1, 2, 3, 4, 5, 6]);
  return {
    irVersion: 8,
    opsetVersion: 17,
    producerName: 'test',
    producerVersion: '0',
    docString: 'y = x @ W + 1',
    metadata: { purpose: 'encoding test' },
    graph: {
      name: 'affine',
      nodes: [
        { name: 'matmul', opType: 'MatMul', inputs: ['x', 'W'], outputs: ['xw'], attributes: {} },
        { name: 'add', opType: 'Add', inputs: ['xw', 'one'], outputs: ['sum'], attributes: {} },
        {
          name: 'clip',
          opType: 'LeakyRelu',
          inputs: ['sum'],
          outputs: ['y'],
          attributes: { alpha: { type: 'float', value: 0.5 } },
        },
      ],
      initializers: [
        { name: 'W', dataType: OnnxDataType.FLOAT, dims: [3, 2], rawData: new Uint8Array(weights.buffer) },
        {
          name: 'one',
          dataType: OnnxDataType.FLOAT,
          dims: [],
          rawData: new Uint8Array(new Float32Array([1]).buffer),
        },
      ],
      inputs: [{ name: 'x', dataType: OnnxDataType.FLOAT, shape: [null, 3] }],
      outputs: [{ name: 'y', dataType: OnnxDataType.FLOAT, shape: [null, 2] }],
      valueInfo: [{ name: 'xw', dataType: OnnxDataType.FLOAT, shape: [null, 2] }],
    },
  };
}

describe('encodeOnnxModel', () => {
  it('Should produce a ModelProto that onnxruntime loads and runs correctly at level "all"', async () => {
    const session = await ort.InferenceSession.create(encodeOnnxModel(affineModel()), {
      graphOptimizationLevel: 'all',
    });
    expect(session.inputNames).toEqual(['x']);
    expect(session.outputNames).toEqual(['y']);
    const x = new ort.Tensor('float32', Float32Array.from([1, 0, -1, -3, 0, 0]), [2, 3]);
    const { y } = await session.run({ x });
    // [1,0,-1] @ W + 1 = [-3, -3] -> LeakyRelu(0.5) = [-1.5, -1.5]; [-3,0,0] @ W + 1 = [-2, -5] -> [-1, -2.5]
    expect(Array.from(y!.data as Float32Array)).toEqual([-1.5, -1.5, -1, -2.5]);
    expect(y!.dims).toEqual([2, 2]);
    await session.release();
  });

  it('Should be deterministic', () => {
    expect(
      Buffer.from(encodeOnnxModel(affineModel())).equals(Buffer.from(encodeOnnxModel(affineModel()))),
    ).toBe(true);
  });
});
