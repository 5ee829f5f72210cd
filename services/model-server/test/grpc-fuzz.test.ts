/**
 * Malformed protobuf over real gRPC (bounded in count and time): random bytes, mutated and truncated valid
 * messages, fields of the wrong wire type, huge declared lengths, overlong varints, a message over the size
 * limit and one built to multiply into millions of objects. Every call must end with a status (never INTERNAL
 * or UNKNOWN), the server must stay up and serving, and its memory must stay bounded.
 */
import { readShippedPhoto } from '@detection/test-data';
import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inferenceServiceDefinition } from '../src/protocol/grpc/service-definition.js';
import type { RunningServer } from '../src/server.js';
import { type GrpcInferenceClient, grpcInferenceClient, lengthPrefixed } from './support/oip-clients.js';
import { type Random, random } from './support/random.js';
import { startTestServer } from './support/server.js';

const CALLS = 400;
const CONCURRENCY = 6;
const MAX_REQUEST_BYTES = 1_000_000;
const ACCEPTABLE = new Set([
  status.OK,
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.RESOURCE_EXHAUSTED,
  status.UNAVAILABLE,
]);

let server: RunningServer;
let client: GrpcInferenceClient;
let valid: Buffer;

const varint = (value: bigint | number): number[] => {
  let v = BigInt(value);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number((v & 0x7fn) | 0x80n));
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
};
const field = (number: number, wireType: number) => varint((number << 3) | wireType);
const delimited = (number: number, payload: Uint8Array | number[]) =>
  Buffer.from([...field(number, 2), ...varint(payload.length), ...payload]);

beforeAll(async () => {
  server = await startTestServer({
    grpcPort: 0,
    maxRequestBytes: MAX_REQUEST_BYTES,
    maxImagePixels: 4_000_000,
  });
  client = grpcInferenceClient(`127.0.0.1:${server.grpcPort}`, { 'grpc.max_send_message_length': -1 });
  const image = new Uint8Array(
    await sharp(readShippedPhoto('000000000086.jpg')).resize(240, 300).jpeg().toBuffer(),
  );
  valid = inferenceServiceDefinition().ModelInfer.requestSerialize({
    model_name: 'centernet-coco',
    id: 'fuzz',
    parameters: { score_threshold: { double_param: 0.3 }, classes: { string_param: 'person' } },
    inputs: [{ name: 'image', datatype: 'BYTES', shape: [1] }],
    outputs: [{ name: 'boxes' }, { name: 'labels' }],
    raw_input_contents: [lengthPrefixed([image])],
  });
});
afterAll(() => client?.close());

const METHODS = ['ModelInfer', 'ModelMetadata', 'ModelReady', 'RepositoryIndex', 'RepositoryModelLoad'];

function send(method: string, bytes: Uint8Array): Promise<{ code: status; details: string }> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      `/inference.GRPCInferenceService/${method}`,
      (value: Uint8Array) => Buffer.from(value),
      (value: Buffer) => value,
      bytes,
      new Metadata(),
      { deadline: Date.now() + 20_000 },
      (error: ServiceError | null) =>
        resolve(error ? { code: error.code, details: error.details } : { code: status.OK, details: '' }),
    );
  });
}

function makeCase(rng: Random): { kind: string; method: string; bytes: Uint8Array } {
  switch (rng.int(9)) {
    case 0:
      return { kind: 'random bytes', method: rng.pick(METHODS), bytes: rng.bytes(rng.int(2048)) };
    case 1: {
      const mutated = Buffer.from(valid);
      for (let i = 0; i < 1 + rng.int(8); i++) mutated[rng.int(200)] = rng.int(256);
      return { kind: 'flipped bytes', method: 'ModelInfer', bytes: mutated };
    }
    case 2:
      return { kind: 'truncated', method: 'ModelInfer', bytes: valid.subarray(0, rng.int(valid.length)) };
    case 3: {
      // A known field with the wrong wire type: model_name as a varint, inputs as 32-bit, id as 64-bit.
      const [number, wireType] = rng.pick([
        [1, 0],
        [5, 5],
        [3, 1],
        [7, 0],
        [4, 5],
      ] as const);
      const wrong = Buffer.from([
        ...field(number, wireType),
        ...(wireType === 0 ? [1] : new Array(wireType === 5 ? 4 : 8).fill(0)),
      ]);
      return { kind: 'wrong wire type', method: 'ModelInfer', bytes: Buffer.concat([wrong, valid]) };
    }
    case 4: {
      // A length far past the end: top level, or inside an input tensor.
      const length = rng.pick([2 ** 31 - 1, 2 ** 32 + 5, 2 ** 53, 1_000_000]);
      const top = Buffer.from([...field(rng.pick([1, 5, 7]), 2), ...varint(length), 1, 2, 3]);
      const nested = delimited(5, [...field(1, 2), ...varint(length), 0x61]);
      return { kind: 'huge declared length', method: 'ModelInfer', bytes: rng.next() < 0.5 ? top : nested };
    }
    case 5:
      return {
        kind: 'overlong varint',
        method: rng.pick(METHODS),
        bytes: Buffer.from([0x08, ...new Array(11).fill(0xff), 0x01]),
      };
    case 6:
      return {
        kind: 'unknown and group wire types',
        method: 'ModelInfer',
        bytes: Buffer.from([...field(99, rng.pick([3, 4, 6, 7])), 0, 0, 0, 0]),
      };
    case 7: {
      // Contents that contradict the declared shape and datatype.
      const tensor = Buffer.concat([
        delimited(1, Buffer.from('image')),
        delimited(2, Buffer.from(rng.pick(['BYTES', 'FP32', 'INT64', 'FP16', 'NOPE']))),
        delimited(3, varint(rng.pick([0, 1, 2 ** 40]))),
        delimited(5, [...field(rng.pick([1, 2, 6, 8]), 2), 4, 1, 2, 3, 4]),
      ]);
      return {
        kind: 'contradictory tensor',
        method: 'ModelInfer',
        bytes: Buffer.concat([delimited(1, Buffer.from('centernet-coco')), delimited(5, tensor)]),
      };
    }
    default:
      return { kind: 'valid', method: 'ModelInfer', bytes: valid };
  }
}

describe('fuzzing over gRPC', () => {
  it(`Should end ${CALLS} malformed or mutated calls with a status, and stay up with bounded memory`, async () => {
    const rng = random(20_261_205);
    const cases = Array.from({ length: CALLS }, () => makeCase(rng));
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const outcomes = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const fuzz = cases[next++]!;
        const { code, details } = await send(fuzz.method, fuzz.bytes);
        const label = `${fuzz.kind} → ${status[code]}`;
        outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
        expect(ACCEPTABLE.has(code), `${fuzz.kind} ${fuzz.method}: ${status[code]} ${details}`).toBe(true);
        if (code !== status.OK) expect(details.length, label).toBeGreaterThan(0);
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.info('gRPC fuzz outcomes', Object.fromEntries([...outcomes].sort()));
    expect(outcomes.get('valid → OK')).toBeGreaterThan(0);
    expect((await send('ServerLive', Buffer.alloc(0))).code).toBe(status.OK);
    expect((await send('ModelInfer', valid)).code).toBe(status.OK);
    console.info(`RSS ${Math.round(rssBefore / 1e6)} MB before, peak ${Math.round(peakRss / 1e6)} MB`);
    expect(peakRss - rssBefore).toBeLessThan(400e6);
  });

  it('Should refuse a message over the size limit with RESOURCE_EXHAUSTED and keep serving', async () => {
    const { code, details } = await send('ModelInfer', Buffer.alloc(MAX_REQUEST_BYTES + 1));
    expect([status[code], details]).toEqual(['RESOURCE_EXHAUSTED', expect.stringMatching(/larger than/)]);
    expect((await send('ModelInfer', valid)).code).toBe(status.OK);
  });

  it.each([
    ['empty raw_input_contents entries', 7],
    ['empty input tensors', 5],
    ['empty parameters', 4],
  ])('Should refuse a message of %s that would become millions of objects', async (_, number) => {
    const entries = Math.floor((MAX_REQUEST_BYTES - 16) / 2);
    const bomb = Buffer.alloc(entries * 2);
    for (let i = 0; i < entries; i++) bomb[i * 2] = (number << 3) | 2;
    const rssBefore = process.memoryUsage().rss;
    const { code, details } = await send('ModelInfer', bomb);
    expect([status[code], details]).toEqual([
      'INVALID_ARGUMENT',
      expect.stringMatching(/too many strings, byte strings or sub-messages for the size of the message/),
    ]);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200e6);
  });

  it.each([
    ['a string that is not UTF-8', Buffer.from([0x0a, 0x02, 0xc3, 0x28]), /model_name is not UTF-8/],
    ['a truncated varint', Buffer.from([0x78, 0x80]), /ends inside a varint/],
    ['field number 0', Buffer.from([0x00, 0x01]), /field number 0/],
    [
      'an input as a varint',
      Buffer.from([0x28, 0x01]),
      /field inputs has wire type varint, expected length-delimited/,
    ],
  ])('Should say what is wrong with %s', async (_, bytes, message) => {
    const { code, details } = await send('ModelInfer', bytes);
    expect(status[code]).toBe('INVALID_ARGUMENT');
    expect(details).toMatch(/^the request is not a valid inference\.ModelInferRequest message: /);
    expect(details).toMatch(message);
  });
});
