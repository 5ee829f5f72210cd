import { encodeInferRequest } from '../src/inference/codec.js';

/** One CenterNet detection straight from the model server (REST, binary extension), bypassing the backend. */
export async function inferDirectly(modelServerUrl: string, bytes: Buffer): Promise<void> {
  const { body, headerLength } = encodeInferRequest('bench', bytes, {});
  const res = await fetch(`${modelServerUrl}/v2/models/centernet-coco/infer`, {
    method: 'POST',
    headers: {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(headerLength),
    },
    body,
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`model server answered ${res.status}`);
}
