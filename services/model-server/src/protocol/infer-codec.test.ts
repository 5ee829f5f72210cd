import { describe, expect, it } from 'vitest';
import type { InferRequest, TensorSpec } from '../inference/types.js';
import { decodeInferRequest, encodeInferResponse, type InferDecodeContext } from './infer-codec.js';

const encoder = new TextEncoder();
const IMAGE_MODEL: InferDecodeContext = {
  inputs: [{ name: 'image', datatype: 'BYTES', shape: [1] }],
  defaultBytesEncoding: (name) => (name === 'image' ? 'base64' : 'utf8'),
};
const TENSOR_MODEL = (inputs: TensorSpec[]): InferDecodeContext => ({
  inputs,
  defaultBytesEncoding: () => 'utf8',
});

/** JSON header followed by binary parts, as a client of the binary extension sends it. */
function binaryBody(header: object, ...parts: Uint8Array[]) {
  const json = encoder.encode(JSON.stringify(header));
  return { body: new Uint8Array(Buffer.concat([json, ...parts])), headerLength: String(json.length) };
}

const lengthPrefixed = (bytes: Uint8Array) => {
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length, true);
  out.set(bytes, 4);
  return out;
};

describe('decodeInferRequest', () => {
  const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);

  it('Should read a JSON request with a base64 image for a detection model', () => {
    const body = encoder.encode(
      JSON.stringify({
        id: 'r1',
        parameters: { score_threshold: 0.3, classes: ['person'] },
        inputs: [
          { name: 'image', datatype: 'BYTES', shape: [1], data: [Buffer.from(jpeg).toString('base64')] },
        ],
        outputs: [{ name: 'boxes' }],
      }),
    );
    const { request, binaryOutputsByDefault } = decodeInferRequest(
      body,
      undefined,
      'application/json',
      IMAGE_MODEL,
    );
    expect(binaryOutputsByDefault).toBe(false);
    expect(request).toMatchObject({
      id: 'r1',
      parameters: { score_threshold: 0.3, classes: ['person'] },
      outputs: [{ name: 'boxes' }],
    });
    expect(request.inputs[0]!.data).toEqual([jpeg]);
  });

  it('Should read the binary extension: JSON header, then each binary input in order', () => {
    const { body, headerLength } = binaryBody(
      {
        inputs: [
          { name: 'image', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: jpeg.length + 4 } },
          { name: 'x', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } },
          { name: 'y', datatype: 'INT32', shape: [1], data: [7] },
        ],
      },
      lengthPrefixed(jpeg),
      new Uint8Array(Float32Array.from([1.5, -1]).buffer),
    );
    const { request } = decodeInferRequest(body, headerLength, 'application/octet-stream', IMAGE_MODEL);
    expect(request.inputs.map((input) => input.data)).toEqual([
      [jpeg],
      Float32Array.from([1.5, -1]),
      Int32Array.from([7]),
    ]);
  });

  it('Should read a raw binary request (header length 0) as the only input, with or without its length prefix', () => {
    for (const body of [jpeg, lengthPrefixed(jpeg)]) {
      const { request, binaryOutputsByDefault } = decodeInferRequest(
        body,
        '0',
        'application/octet-stream',
        IMAGE_MODEL,
      );
      expect(binaryOutputsByDefault).toBe(true);
      expect(request.inputs).toEqual([{ name: 'image', datatype: 'BYTES', shape: [1], data: [jpeg] }]);
    }
    const raw = decodeInferRequest(
      new Uint8Array(Float32Array.from([1, 2, 3, 4, 5, 6]).buffer),
      '0',
      undefined,
      TENSOR_MODEL([{ name: 't', datatype: 'FP32', shape: [-1, 3] }]),
    );
    expect(raw.request.inputs[0]).toMatchObject({ name: 't', shape: [2, 3] });
  });

  it.each([
    ['invalid JSON', '{"inputs": [', undefined, /request body is not valid JSON/],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), undefined, /not valid JSON/],
    ['no inputs', '{"inputs": []}', undefined, /inputs: Too small/],
    ['an array body', '[1]', undefined, /invalid inference request/],
    [
      'a numeric id',
      '{"id": 5, "inputs": [{"name":"x","datatype":"FP32","shape":[1],"data":[1]}]}',
      undefined,
      /id/,
    ],
    [
      'an unknown datatype',
      '{"inputs": [{"name":"x","datatype":"FLOAT","shape":[1],"data":[1]}]}',
      undefined,
      /datatype/,
    ],
    [
      'a negative dimension',
      '{"inputs": [{"name":"x","datatype":"FP32","shape":[-1],"data":[1]}]}',
      undefined,
      /shape/,
    ],
    [
      'a fractional dimension',
      '{"inputs": [{"name":"x","datatype":"FP32","shape":[1.5],"data":[1]}]}',
      undefined,
      /shape/,
    ],
    [
      'an element count mismatch',
      '{"inputs": [{"name":"x","datatype":"FP32","shape":[3],"data":[1,2]}]}',
      undefined,
      /needs 3 elements, "data" has 2/,
    ],
    [
      'a huge shape',
      '{"inputs": [{"name":"x","datatype":"FP32","shape":[100000,100000],"data":[1]}]}',
      undefined,
      /more than a \d+-byte request can carry/,
    ],
    ['no data', '{"inputs": [{"name":"x","datatype":"FP32","shape":[1]}]}', undefined, /has no "data"/],
    [
      'a bad parameter value',
      '{"parameters": {"a": {"b": 1}}, "inputs": [{"name":"x","datatype":"FP32","shape":[1],"data":[1]}]}',
      undefined,
      /parameters/,
    ],
    [
      'a bad binary_data_output',
      '{"parameters": {"binary_data_output": "yes"}, "inputs": [{"name":"x","datatype":"FP32","shape":[1],"data":[1]}]}',
      undefined,
      /binary_data_output/,
    ],
    [
      'a bad content_type',
      '{"inputs": [{"name":"x","datatype":"BYTES","shape":[1],"data":["a"],"parameters":{"content_type":"np"}}]}',
      undefined,
      /content_type must be/,
    ],
    ['binary without the header', 'abc', 'octet', /needs the inference-header-content-length header/],
  ])('Should refuse %s', (_, body, kind, message) => {
    const bytes = typeof body === 'string' ? encoder.encode(body) : body;
    const contentType = kind === 'octet' ? 'application/octet-stream' : 'application/json';
    expect(() => decodeInferRequest(bytes, undefined, contentType, IMAGE_MODEL)).toThrow(message);
  });

  it.each([
    [
      'a non-numeric header length',
      () => ({ body: encoder.encode('{}'), headerLength: 'ten' }),
      /must be a non-negative integer/,
    ],
    [
      'a header length past the body',
      () => ({ body: encoder.encode('{}'), headerLength: '99' }),
      /but the body has only 2 bytes/,
    ],
    [
      'binary_data_size past the end',
      () =>
        binaryBody(
          { inputs: [{ name: 'x', datatype: 'FP32', shape: [1], parameters: { binary_data_size: 8 } }] },
          new Uint8Array(4),
        ),
      /runs past the end/,
    ],
    [
      'bytes after the last tensor',
      () =>
        binaryBody(
          { inputs: [{ name: 'x', datatype: 'FP32', shape: [1], parameters: { binary_data_size: 4 } }] },
          new Uint8Array(6),
        ),
      /6 bytes after the inference header but the inputs' binary_data_size add up to 4/,
    ],
    [
      'data and binary_data_size together',
      () =>
        binaryBody(
          {
            inputs: [
              { name: 'x', datatype: 'FP32', shape: [1], data: [1], parameters: { binary_data_size: 4 } },
            ],
          },
          new Uint8Array(4),
        ),
      /both "data" and binary_data_size/,
    ],
    [
      'a negative binary_data_size',
      () =>
        binaryBody({
          inputs: [{ name: 'x', datatype: 'FP32', shape: [1], parameters: { binary_data_size: -4 } }],
        }),
      /binary_data_size must be a non-negative integer/,
    ],
    [
      'binary data of the wrong size for the shape',
      () =>
        binaryBody(
          { inputs: [{ name: 'x', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 4 } }] },
          new Uint8Array(4),
        ),
      /need 8 bytes/,
    ],
  ])('Should refuse a binary request with %s', (_, make, message) => {
    const { body, headerLength } = make();
    expect(() => decodeInferRequest(body, headerLength, 'application/octet-stream', IMAGE_MODEL)).toThrow(
      message,
    );
  });

  it('Should refuse raw binary requests that cannot fill the model input', () => {
    const two = TENSOR_MODEL([
      { name: 'a', datatype: 'FP32', shape: [1] },
      { name: 'b', datatype: 'FP32', shape: [1] },
    ]);
    expect(() => decodeInferRequest(new Uint8Array(4), '0', undefined, two)).toThrow(/exactly one input/);
    const fixed = TENSOR_MODEL([{ name: 't', datatype: 'FP32', shape: [2, 3] }]);
    expect(() => decodeInferRequest(new Uint8Array(20), '0', undefined, fixed)).toThrow(
      /does not fit input "t"/,
    );
  });
});

describe('encodeInferResponse', () => {
  const response = {
    modelName: 'm',
    modelVersion: '1',
    id: 'r1',
    parameters: { image_width: 4, image_height: 3 },
    outputs: [
      { name: 'scores', datatype: 'FP32' as const, shape: [2], data: Float32Array.from([0.5, 0.25]) },
      {
        name: 'labels',
        datatype: 'BYTES' as const,
        shape: [2],
        data: [encoder.encode('cat'), encoder.encode('dog')],
      },
    ],
  };
  const request = (
    parameters: InferRequest['parameters'],
    outputs?: InferRequest['outputs'],
  ): InferRequest => ({
    parameters,
    inputs: [],
    ...(outputs && { outputs }),
  });

  it('Should answer JSON by default', () => {
    const encoded = encodeInferResponse(response, request({}), false);
    expect(encoded.contentType).toBe('application/json');
    expect(JSON.parse(encoded.body as string)).toEqual({
      model_name: 'm',
      model_version: '1',
      id: 'r1',
      parameters: { image_width: 4, image_height: 3 },
      outputs: [
        { name: 'scores', datatype: 'FP32', shape: [2], data: [0.5, 0.25] },
        { name: 'labels', datatype: 'BYTES', shape: [2], data: ['cat', 'dog'] },
      ],
    });
  });

  it('Should put binary outputs after the JSON header, per output or for all (binary_data_output)', () => {
    const perOutput = encodeInferResponse(
      response,
      request({}, [{ name: 'scores', parameters: { binary_data: true } }]),
      false,
    );
    expect(perOutput.contentType).toBe('application/octet-stream');
    const bytes = perOutput.body as Uint8Array;
    const header = JSON.parse(Buffer.from(bytes.subarray(0, perOutput.headerLength)).toString());
    expect(header.outputs[0]).toEqual({
      name: 'scores',
      datatype: 'FP32',
      shape: [2],
      parameters: { binary_data_size: 8 },
    });
    expect(header.outputs[1].data).toEqual(['cat', 'dog']);
    expect(new Float32Array(bytes.slice(perOutput.headerLength).buffer)).toEqual(
      Float32Array.from([0.5, 0.25]),
    );

    const all = encodeInferResponse(
      response,
      request({ binary_data_output: true }, [{ name: 'labels', parameters: { binary_data: false } }]),
      false,
    );
    const allHeader = JSON.parse(
      Buffer.from((all.body as Uint8Array).subarray(0, all.headerLength)).toString(),
    );
    expect(allHeader.outputs.map((o: { parameters?: object }) => o.parameters)).toEqual([
      { binary_data_size: 8 },
      undefined,
    ]);
    expect((all.body as Uint8Array).length).toBe(all.headerLength! + 8);
  });
});
