import { readFile } from 'node:fs/promises';
import { pino } from 'pino';
import { afterAll } from 'vitest';
import { type RunningServer, type ServerOptions, startModelServer } from '../../src/server.js';
import { type Settings, settingsFromEnvironment } from '../../src/settings.js';
import { MODEL_REPOSITORY } from './repository-files.js';

export { binaryImageRequest, jsonImageRequest } from './requests.js';

/** Starts a real server (real models, real onnxruntime workers) on a free loopback port; closed after the file. */
export async function startTestServer(
  overrides: Partial<Settings> = {},
  options: ServerOptions & { waitUntilReady?: boolean } = {},
): Promise<RunningServer> {
  const settings: Settings = {
    ...settingsFromEnvironment({}),
    port: 0,
    // gRPC only where a test asks for it (grpcPort: 0 = a free port).
    grpcPort: null,
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
