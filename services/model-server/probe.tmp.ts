import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { pino } from 'pino';
import { DataPlane } from './src/dataplane.js';
import { ServerMetrics } from './src/metrics.js';
import { createModelLoader } from './src/models/model-loader.js';
import { ModelRegistry } from './src/registry.js';
import { ModelRepository } from './src/repository.js';
import { settingsFromEnvironment } from './src/settings.js';

const dir = '/work/shared/datasets/coco-sample/images';
const photos = await Promise.all(
  (await readdir(dir))
    .sort()
    .slice(0, 16)
    .map(async (f) => new Uint8Array(await readFile(`${dir}/${f}`))),
);
const settings = { ...settingsFromEnvironment({}), modelRepository: '../../model/repository' };
const logger = pino({ level: 'silent' });
const registry = new ModelRegistry(
  new ModelRepository(settings.modelRepository),
  createModelLoader(settings),
  logger,
);
const metrics = new ServerMetrics({ processMetrics: false });
const dp = new DataPlane(registry, metrics, logger);
await registry.loadAll();
const port = 18780;
const child = spawn(process.execPath, ['dist/index.js'], {
  env: {
    PATH: process.env.PATH,
    PORT: String(port),
    HOST: '127.0.0.1',
    MODEL_REPOSITORY: '../../model/repository',
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
for (;;) {
  try {
    if ((await fetch(`http://127.0.0.1:${port}/v2/health/ready`)).ok) break;
  } catch {}
  await new Promise((r) => setTimeout(r, 20));
}
const bodies = photos.map((img) => {
  const header = new TextEncoder().encode(
    JSON.stringify({
      inputs: [
        { name: 'image', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: img.length + 4 } },
      ],
    }),
  );
  const body = new Uint8Array(header.length + 4 + img.length);
  body.set(header);
  new DataView(body.buffer).setUint32(header.length, img.length, true);
  body.set(img, header.length + 4);
  return { body, h: String(header.length) };
});
const a: number[] = [],
  b: number[] = [],
  live: number[] = [];
for (let i = 0; i < 80; i++) {
  let t = performance.now();
  await dp.infer('centernet-coco', undefined, {
    parameters: {},
    inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [photos[i % 16]!] }],
  });
  a.push(performance.now() - t);
  const { body, h } = bodies[i % 16]!;
  t = performance.now();
  const r = await fetch(`http://127.0.0.1:${port}/v2/models/centernet-coco/infer`, {
    method: 'POST',
    body,
    headers: { 'inference-header-content-length': h },
  });
  await r.arrayBuffer();
  b.push(performance.now() - t);
  t = performance.now();
  await (await fetch(`http://127.0.0.1:${port}/v2/health/live`)).arrayBuffer();
  live.push(performance.now() - t);
}
const sm = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
child.kill('SIGTERM');
const med = (x: number[]) => [...x].slice(10).sort((p, q) => p - q)[Math.floor((x.length - 10) / 2)]!;
console.log('in-process', med(a).toFixed(1), 'http', med(b).toFixed(1), 'live rtt', med(live).toFixed(2));
const mine = await metrics.registry.metrics();
for (const stage of ['queue', 'preprocess', 'inference', 'postprocess', 'request']) {
  const get = (m: string) => {
    const sum = Number(
      new RegExp(
        `model_server_inference_${stage}_duration_seconds_sum\\{model="centernet-coco",version="1"\\} ([0-9.e-]+)`,
      ).exec(m)?.[1],
    );
    const n = Number(
      new RegExp(
        `model_server_inference_${stage}_duration_seconds_count\\{model="centernet-coco",version="1"\\} ([0-9.e-]+)`,
      ).exec(m)?.[1],
    );
    return ((sum / n) * 1000).toFixed(2);
  };
  console.log(stage, 'in-process', get(mine), 'server', get(sm));
}
await registry.close();
