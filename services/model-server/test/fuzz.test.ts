/**
 * A few hundred malformed, mutated and hostile requests over real loopback HTTP (bounded in count and time).
 * The server must answer each with a 4xx and an `{"error"}` body (or 200 when a mutation happens to stay
 * valid), never a 5xx, and keep serving afterwards.
 */
import { connect } from 'node:net';
import { shippedPhoto } from '@detection/test-data';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { expectConforms } from './support/oip-schema.js';
import { random } from './support/random.js';
import { binaryImageRequest, readImage, startTestServer } from './support/server.js';

const REQUESTS = 400;
const CONCURRENCY = 6;

let server: RunningServer;
let image: Uint8Array;

beforeAll(async () => {
  server = await startTestServer({ maxRequestBytes: 1_000_000, maxImagePixels: 4_000_000 });
  image = new Uint8Array(
    await sharp(await readImage(shippedPhoto('000000000436.jpg').file))
      .resize(240, 360)
      .jpeg()
      .toBuffer(),
  );
});

interface FuzzCase {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array | string;
}

const WEIRD_VALUES: unknown[] = [
  null,
  true,
  -1,
  0,
  1.5,
  1e308,
  -1e308,
  '',
  'x'.repeat(1000),
  [],
  {},
  [[[[[]]]]],
  ['a'],
  { a: 1 },
  '\u0000',
  '💥',
  2 ** 53 + 1,
];

function mutateJson(rng: ReturnType<typeof random>, value: unknown, depth = 0): unknown {
  if (depth > 6 || rng.next() < 0.15) return rng.pick(WEIRD_VALUES);
  if (Array.isArray(value)) {
    const copy = value.map((item) => (rng.next() < 0.3 ? mutateJson(rng, item, depth + 1) : item));
    if (rng.next() < 0.2) copy.push(rng.pick(WEIRD_VALUES));
    if (rng.next() < 0.2) copy.splice(rng.int(copy.length + 1), 1);
    return copy;
  }
  if (value && typeof value === 'object') {
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const key of Object.keys(copy)) {
      if (rng.next() < 0.15) delete copy[key];
      else if (rng.next() < 0.4) copy[key] = mutateJson(rng, copy[key], depth + 1);
    }
    if (rng.next() < 0.15)
      copy[rng.pick(['binary_data_size', 'shape', 'datatype', 'data', 'extra', 'parameters'])] =
        rng.pick(WEIRD_VALUES);
    return copy;
  }
  return rng.next() < 0.5 ? rng.pick(WEIRD_VALUES) : value;
}

function makeCase(rng: ReturnType<typeof random>, index: number): FuzzCase {
  const model = rng.pick(['centernet-coco', 'blazeface', 'centernet-coco-raw', 'blazeface-raw']);
  const valid = binaryImageRequest(image, {
    id: `fuzz-${index}`,
    parameters: { score_threshold: 0.3, classes: ['person'] },
    outputs: [{ name: 'boxes' }, { name: 'labels' }],
  });
  const body = valid.body;
  const headerLength = Number(valid.headers['inference-header-content-length']);
  const header = JSON.parse(Buffer.from(body.subarray(0, headerLength)).toString());
  const infer = `/v2/models/${model}/infer`;
  switch (rng.int(9)) {
    case 0: {
      const mutated = body.slice();
      for (let i = 0; i < 1 + rng.int(8); i++) mutated[rng.int(headerLength)] = rng.int(256);
      return {
        kind: 'flipped header bytes',
        method: 'POST',
        path: infer,
        headers: valid.headers,
        body: mutated,
      };
    }
    case 1:
      return {
        kind: 'truncated body',
        method: 'POST',
        path: infer,
        headers: valid.headers,
        body: body.subarray(0, rng.int(body.length)),
      };
    case 2: {
      const mutated = body.slice();
      for (let i = 0; i < 1 + rng.int(64); i++)
        mutated[headerLength + 4 + rng.int(body.length - headerLength - 4)] = rng.int(256);
      return {
        kind: 'corrupted image bytes',
        method: 'POST',
        path: infer,
        headers: valid.headers,
        body: mutated,
      };
    }
    case 3: {
      const value = rng.pick([
        '-1',
        'abc',
        '1e3',
        String(headerLength + 1),
        String(headerLength - 1),
        '99999999999',
        ' ',
        '0x10',
        String(body.length + 10),
      ]);
      return {
        kind: 'wrong header length',
        method: 'POST',
        path: infer,
        headers: { ...valid.headers, 'inference-header-content-length': value },
        body,
      };
    }
    case 4: {
      const json = new TextEncoder().encode(JSON.stringify(mutateJson(rng, header)));
      const rest = body.subarray(headerLength);
      return {
        kind: 'mutated JSON header',
        method: 'POST',
        path: infer,
        headers: { ...valid.headers, 'inference-header-content-length': String(json.length) },
        body: Buffer.concat([json, rest]),
      };
    }
    case 5: {
      const json = {
        id: 'j',
        inputs: [
          { name: 'image', datatype: 'BYTES', shape: [1], data: [Buffer.from(image).toString('base64')] },
        ],
      };
      return {
        kind: 'mutated JSON request',
        method: 'POST',
        path: infer,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(mutateJson(rng, json)),
      };
    }
    case 6:
      return {
        kind: 'random bytes',
        method: 'POST',
        path: rng.pick([infer, '/v2/repository/index', `/v2/repository/models/${model}/load`]),
        headers: {
          'content-type': rng.pick([
            'application/json',
            'application/octet-stream',
            'text/plain',
            'image/jpeg',
          ]),
        },
        body: rng.bytes(rng.int(2048)),
      };
    case 7: {
      const segment = rng.pick([
        '..',
        '%2e%2e',
        '%00',
        'a'.repeat(300),
        '%ff%fe',
        'centernet-coco%2Fversions',
        '💥',
        '*',
        ' ',
      ]);
      return {
        kind: 'odd path',
        method: rng.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']),
        path: rng.pick([
          `/v2/models/${segment}/infer`,
          `/v2/models/${model}/versions/${segment}`,
          `/v2/${segment}`,
          `/${segment}`,
        ]),
        headers: {},
      };
    }
    default: {
      const nested = `${'['.repeat(5000)}${']'.repeat(5000)}`;
      const hostile = rng.pick([
        nested,
        JSON.stringify({ inputs: [{ name: 'image', datatype: 'BYTES', shape: [1e9, 1e9], data: [] }] }),
        JSON.stringify({
          inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: 1e15 } }],
        }),
        JSON.stringify({
          inputs: [{ name: 'tower_0/images', datatype: 'FP32', shape: [1, 512, 512, 3], data: [1] }],
        }),
        JSON.stringify({
          __proto__: { polluted: true },
          constructor: { prototype: { polluted: true } },
          inputs: [],
        }),
        `{"inputs": [${'{"name":"x","datatype":"FP32","shape":[1],"data":[1]},'.repeat(2000)}{}]}`,
      ]);
      return {
        kind: 'hostile JSON',
        method: 'POST',
        path: infer,
        headers: { 'content-type': 'application/json' },
        body: hostile,
      };
    }
  }
}

describe('fuzzing over HTTP', () => {
  it(`Should answer ${REQUESTS} malformed or mutated requests with 4xx (or 200) and an error object, and stay up`, async () => {
    const rng = random(20_260_301);
    const cases = Array.from({ length: REQUESTS }, (_, i) => makeCase(rng, i));
    const outcomes = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const fuzz = cases[next++]!;
        const response = await fetch(`${server.url}${fuzz.path}`, {
          method: fuzz.method,
          headers: fuzz.headers,
          ...(fuzz.body !== undefined && fuzz.method !== 'GET' && { body: fuzz.body }),
          signal: AbortSignal.timeout(20_000),
        });
        const text = await response.text();
        const label = `${fuzz.kind} → ${response.status}`;
        outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
        expect(
          response.status < 500,
          `${fuzz.kind} ${fuzz.method} ${fuzz.path}: ${response.status} ${text.slice(0, 300)}`,
        ).toBe(true);
        if (response.status >= 400) {
          expectConforms(JSON.parse(text), 'error_response');
        } else {
          expect(response.status).toBe(200);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.info('fuzz outcomes', Object.fromEntries([...outcomes].sort()));
    const errors = [...outcomes]
      .filter(([label]) => !label.endsWith('→ 200'))
      .reduce((sum, [, n]) => sum + n, 0);
    expect(errors).toBeGreaterThan(REQUESTS * 0.75);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    expect((await fetch(`${server.url}/v2/health/live`)).status).toBe(200);
    expect((await fetch(`${server.url}/v2/health/ready`)).status).toBe(200);
    const valid = binaryImageRequest(image);
    const response = await fetch(`${server.url}/v2/models/centernet-coco/infer`, {
      ...valid,
      body: valid.body,
    });
    expect(response.status).toBe(200);
  });

  it.each([
    ['a garbage request line', 'HELLO\r\n\r\n', 400],
    [
      'a bad Content-Length',
      'POST /v2/repository/index HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      400,
    ],
    [
      'conflicting Content-Length and chunked encoding',
      'POST /v2/repository/index HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
    ],
    [
      'a broken chunk',
      'POST /v2/repository/index HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n',
      400,
    ],
    ['oversized headers', `GET /v2 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
  ])('Should answer %s at the HTTP level with %i and an error object', async (_, raw, status) => {
    const url = new URL(server.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.end(raw));
      let data = '';
      socket.on('data', (chunk) => {
        data += chunk.toString();
      });
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
      socket.setTimeout(5_000, () => reject(new Error('no answer')));
    });
    expect(answer.split('\r\n')[0]).toBe(
      `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}`,
    );
    expectConforms(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)), 'error_response');
    expect((await fetch(`${server.url}/v2/health/live`)).status).toBe(200);
  });
});
