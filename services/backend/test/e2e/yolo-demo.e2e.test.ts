/**
 * The README's YOLO path without downloads: `pnpm model:yolo-demo` writes the demo model into a repository,
 * the real model server serves it next to CenterNet, and the backend detects and stores with `?model=yolo-demo`.
 * The demo's detections are meaningless but deterministic: the image's quadrants, labelled by dominant colour.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobOf, multipart } from '../support/images.js';
import { type ChildServer, repoRoot, startModelServer } from '../support/processes.js';
import { closedPort, createTestApp, type TestApp } from '../support/test-app.js';

/** 640×640 PNG: red, green, blue and mid-grey quadrants. */
async function quadrantPng(): Promise<Buffer> {
  const colours = [
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
    [128, 128, 128],
  ];
  const pixels = Buffer.alloc(640 * 640 * 3);
  for (let y = 0; y < 640; y++) {
    for (let x = 0; x < 640; x++) {
      pixels.set(colours[(y < 320 ? 0 : 2) + (x < 320 ? 0 : 1)]!, (y * 640 + x) * 3);
    }
  }
  return sharp(pixels, { raw: { width: 640, height: 640, channels: 3 } })
    .png()
    .toBuffer();
}

interface Detection {
  bbox: number[];
  label: string;
  score: number;
}

describe('pnpm model:yolo-demo, then detection through the model server and the backend', () => {
  let repository: string;
  let modelServer: ChildServer;
  let t: TestApp;
  let image: Buffer;

  beforeAll(async () => {
    repository = await mkdtemp(path.join(tmpdir(), 'yolo-demo-repository-'));
    await symlink(
      path.join(repoRoot, 'model/repository/centernet-coco'),
      path.join(repository, 'centernet-coco'),
    );
    await promisify(execFile)('pnpm', ['model:yolo-demo', '--repository', repository], { cwd: repoRoot });
    modelServer = await startModelServer(await closedPort(), { MODEL_REPOSITORY: repository });
    t = await createTestApp({ modelServerUrl: modelServer.url });
    image = await quadrantPng();
  });
  afterAll(async () => {
    await t?.close();
    await modelServer?.stop();
    await rm(repository, { recursive: true, force: true });
  });

  const detect = async () => {
    const res = await t.app.request('/detect?model=yolo-demo', {
      method: 'POST',
      body: multipart(blobOf(image, 'image/png'), 'quadrants.png'),
    });
    const body = (await res.json()) as { model: { name: string }; detection: { detections: Detection[] } };
    expect(res.status, JSON.stringify(body)).toBe(200);
    return body;
  };

  it('Should list yolo-demo as READY among the models', async () => {
    const res = await t.app.request('/models');
    const body = (await res.json()) as { models: Array<{ name: string; state: string }> };
    expect(body.models.map(({ name, state }) => `${name} ${state}`)).toEqual([
      'centernet-coco READY',
      'yolo-demo READY',
    ]);
  });

  it('Should detect the four quadrants, labelled by dominant colour, the same way every time', async () => {
    const first = await detect();
    expect(first.model.name).toBe('yolo-demo');
    const summary = first.detection.detections
      .map(({ bbox, label, score }) => `${bbox.join(',')} ${label} ${score.toFixed(2)}`)
      .sort();
    expect(summary).toEqual([
      '0,0,320,320 red 1.00',
      '0,320,320,640 blue 1.00',
      '320,0,640,320 green 1.00',
      '320,320,640,640 red 0.50',
    ]);
    const second = await detect();
    expect(second.detection.detections.map(({ bbox, label, score }) => [bbox, label, score])).toEqual(
      first.detection.detections.map(({ bbox, label, score }) => [bbox, label, score]),
    );
  });

  it('Should store an upload detected with yolo-demo', async () => {
    const res = await t.app.request('/images?model=yolo-demo', {
      method: 'POST',
      body: multipart(blobOf(image, 'image/png'), 'quadrants.png'),
    });
    const body = (await res.json()) as {
      status: string;
      model: { name: string };
      detection: { count: number };
    };
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body).toMatchObject({
      status: 'completed',
      model: { name: 'yolo-demo' },
      detection: { count: 4 },
    });
    expect(await t.stored()).toMatchObject({ images: 1, runs: 1, objects: 4 });
  });
});
