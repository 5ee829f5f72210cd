import { readFile } from 'node:fs/promises';
import { pino } from 'pino';
import { afterAll } from 'vitest';
import { type RunningServer, type ServerOptions, startModelServer } from '../../src/server.js';
import { type Settings, settingsFromEnvironment } from '../../src/settings.js';
import { MODEL_REPOSITORY } from './coco.js';

/** Starts a real server (real models, real onnxruntime workers) on a free loopback port; closed after the file. */
export async function startTestServer(
  overrides: Partial<Settings> = {},
  options: ServerOptions & { waitUntilReady?: boolean } = {},
): Promise<RunningServer> {
  const settings: Settings = {
    ...settingsFromEnvironment({}),
    port: 0,
    host: '127.0.0.1',
    modelRepository: MODEL_REPOSITORY,
    logLevel: 'silent',
    shutdownTimeoutMs: 5_000,
    ...overrides,
  };
  const server = await startModelServer(settings, { logger: pino({ level: 'silent' }), ...options });
  afterAll(() => server.close());
  if (options.waitUntilReady ?? true) await server.ready;
  return server;
}

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

export async function readImage(file: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(file));
}

export interface Detections {
  boxes: number[][];
  scores: number[];
  classIds: number[];
  labels: string[];
  keypoints?: number[][][];
  imageWidth: number;
  imageHeight: number;
}

interface JsonOutput {
  name: string;
  shape: number[];
  data: unknown[];
}

/** Reads the detection outputs of a JSON inference response into rows. */
export function detectionsOf(body: {
  outputs: JsonOutput[];
  parameters?: Record<string, number>;
}): Detections {
  const output = (name: string) => body.outputs.find((o) => o.name === name);
  const rows = <T>(values: unknown[], width: number) =>
    Array.from(
      { length: values.length / width },
      (_, i) => values.slice(i * width, i * width + width) as T[],
    );
  const keypoints = output('keypoints');
  return {
    boxes: rows<number>(output('boxes')?.data ?? [], 4),
    scores: (output('scores')?.data ?? []) as number[],
    classIds: (output('class_ids')?.data ?? []) as number[],
    labels: (output('labels')?.data ?? []) as string[],
    ...(keypoints && {
      keypoints: rows<number>(keypoints.data, keypoints.shape[1]! * 2).map((row) => rows<number>(row, 2)),
    }),
    imageWidth: body.parameters?.image_width ?? 0,
    imageHeight: body.parameters?.image_height ?? 0,
  };
}
