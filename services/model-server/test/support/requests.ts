/**
 * Inference request bodies for a detection model's encoded image, shared by the tests and the benchmark
 * (no test-runner imports here).
 */

const encoder = new TextEncoder();

/** The body the backend sends (CONTRACTS.md): JSON header, then the image as one length-prefixed BYTES element. */
export function binaryImageRequest(image: Uint8Array, header: Record<string, unknown> = {}) {
  const json = encoder.encode(
    JSON.stringify({
      ...header,
      inputs: [
        { name: 'image', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: image.length + 4 } },
      ],
    }),
  );
  const body = new Uint8Array(json.length + 4 + image.length);
  body.set(json, 0);
  new DataView(body.buffer).setUint32(json.length, image.length, true);
  body.set(image, json.length + 4);
  return {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(json.length),
    },
  };
}

/** The same request as JSON only, the image as a base64 BYTES element. */
export function jsonImageRequest(image: Uint8Array, header: Record<string, unknown> = {}) {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      ...header,
      inputs: [
        { name: 'image', datatype: 'BYTES', shape: [1], data: [Buffer.from(image).toString('base64')] },
      ],
    }),
  };
}
