/**
 * Dynamic batching end to end: concurrent REST and gRPC callers of the real CenterNet and BlazeFace models get
 * exactly (bit for bit) the answers of a server that runs every request alone.
 */
import { readShippedPhoto, shippedPhotos } from '@detection/test-data';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.js';
import {
  type ClientInferRequest,
  type ClientInferResponse,
  grpcClient,
  type OipClient,
  restClient,
} from './support/oip-clients.js';
import { startTestServer } from './support/server.js';

const PHOTOS = shippedPhotos.slice(0, 12).map((photo) => readShippedPhoto(photo.name));
let batched: RunningServer;
let unbatched: RunningServer;
const clients: OipClient[] = [];

function clientsOf(server: RunningServer): { rest: OipClient; grpc: OipClient } {
  const rest = restClient(server.url);
  const grpc = grpcClient(`127.0.0.1:${server.grpcPort}`);
  clients.push(rest, grpc);
  return { rest, grpc };
}

beforeAll(async () => {
  [batched, unbatched] = await Promise.all([
    startTestServer({ grpcPort: 0, modelConcurrency: 2 }),
    startTestServer({ grpcPort: 0, dynamicBatching: false }),
  ]);
});
afterAll(() => {
  for (const client of clients) client.close();
});

const imageRequest = (image: Uint8Array, binary: boolean): ClientInferRequest => ({
  inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [image] }],
  binary,
});

/** Every output's values as the float32/int32 bit patterns they carry. */
function bits(response: ClientInferResponse): Record<string, unknown> {
  return Object.fromEntries(
    response.outputs.map((output) => [
      output.name,
      {
        shape: output.shape,
        data:
          output.datatype === 'FP32'
            ? Array.from(new Uint32Array(Float32Array.from(output.data as number[]).buffer))
            : output.data,
      },
    ]),
  );
}

/** Requests of `model` whose session run held more than one item (from the batch-size histogram). */
async function batchedRequests(server: RunningServer, model: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const value = (series: string) => Number(new RegExp(`${series} (\\d+)`).exec(text)?.[1] ?? 0);
  const labels = `model="${model}",version="1"`;
  return (
    value(`model_server_inference_batch_size_count\\{${labels}\\}`) -
    value(`model_server_inference_batch_size_bucket\\{le="1",${labels}\\}`)
  );
}

describe('dynamic batching', () => {
  it.each(['centernet-coco'])(
    'Should answer concurrent REST and gRPC callers of %s exactly as one request at a time, in batches',
    async (model) => {
      const on = clientsOf(batched);
      const off = clientsOf(unbatched);
      const alone: ClientInferResponse[] = [];
      for (const photo of PHOTOS) alone.push(await off.rest.infer(model, imageRequest(photo, true)));
      const before = await batchedRequests(batched, model);
      const together = await Promise.all(
        PHOTOS.map((photo, i) => {
          const client = i % 2 === 0 ? on.rest : on.grpc;
          return client.infer(model, imageRequest(photo, i % 4 < 2));
        }),
      );
      together.forEach((response, i) => {
        expect(bits(response), `photo ${i}`).toEqual(bits(alone[i]!));
      });
      expect(alone.some((response) => (response.outputs[0]?.shape[0] ?? 0) > 0)).toBe(true);
      expect(await batchedRequests(batched, model)).toBeGreaterThan(before);
    },
  );

  it('Should give raw-tensor callers the same float32 outputs batched as alone', async () => {
    const on = clientsOf(batched);
    const off = clientsOf(unbatched);
    const inputs = await Promise.all(
      PHOTOS.slice(0, 6).map(async (photo) => {
        const pixels = await sharp(photo).resize(512, 512, { fit: 'fill' }).removeAlpha().raw().toBuffer();
        return Float32Array.from(pixels);
      }),
    );
    const request = (data: Float32Array): ClientInferRequest => ({
      inputs: [{ name: 'tower_0/images', datatype: 'FP32', shape: [1, 512, 512, 3], data }],
      outputs: [{ name: 'tower_0/detections' }, { name: 'tower_0/wh' }],
      binary: true,
    });
    const alone: ClientInferResponse[] = [];
    for (const data of inputs) alone.push(await off.grpc.infer('centernet-coco-raw', request(data)));
    const before = await batchedRequests(batched, 'centernet-coco-raw');
    const together = await Promise.all(
      inputs.map((data, i) => (i % 2 === 0 ? on.grpc : on.rest).infer('centernet-coco-raw', request(data))),
    );
    together.forEach((response, i) => {
      expect(bits(response), `input ${i}`).toEqual(bits(alone[i]!));
    });
    expect(await batchedRequests(batched, 'centernet-coco-raw')).toBeGreaterThan(before);
  });

  it('Should run every request of a model without dynamic_batching alone (blazeface: max_batch_size only)', async () => {
    const on = clientsOf(batched);
    const off = clientsOf(unbatched);
    const alone: ClientInferResponse[] = [];
    for (const photo of PHOTOS.slice(0, 6))
      alone.push(await off.rest.infer('blazeface', imageRequest(photo, true)));
    const together = await Promise.all(
      PHOTOS.slice(0, 6).map((photo, i) =>
        (i % 2 === 0 ? on.rest : on.grpc).infer('blazeface', imageRequest(photo, true)),
      ),
    );
    together.forEach((response, i) => {
      expect(bits(response), `photo ${i}`).toEqual(bits(alone[i]!));
    });
    expect(await batchedRequests(batched, 'blazeface')).toBe(0);
  });
});
