import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { testImages, writeDataset } from '@detection/test-data';
import pino from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../services/backend/src/env.js';
import { type RunningServer, startServer } from '../../services/backend/src/server.js';
import {
  type ChildServer,
  closedPort,
  startModelServer,
} from '../../services/backend/test/support/processes.js';
import { launchBrowser } from '../../services/web/test/e2e/browser.js';
import type { Report } from '../src/report/report.js';
import { type CocoInstancesFile, type CocoResultsFile, scoreCocoFiles } from './support/coco-files.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shippedDataset = path.join(repoRoot, 'evaluation/dataset');

/** `pnpm eval …` as pnpm runs it: the CLI from the repository root, the caller's directory in INIT_CWD. */
function runEval(
  args: string[],
  cwd = repoRoot,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'evaluation/src/cli.ts'), ...args],
      {
        cwd: repoRoot,
        env: { ...process.env, INIT_CWD: cwd },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;

describe('pnpm eval (against the real model server and backend)', () => {
  let work: string;
  let modelServer: ChildServer;
  let backend: RunningServer;
  let ownServerRun: { code: number | null; stdout: string; stderr: string };
  const ownServerOut = () => path.join(work, 'own-server');

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'eval-cli-'));
    // Relative --dataset/--out are taken from the caller's directory (INIT_CWD), here the repository root.
    ownServerRun = await runEval([
      '--dataset',
      'evaluation/dataset',
      '--out',
      path.relative(repoRoot, ownServerOut()),
    ]);
    modelServer = await startModelServer(await closedPort());
    backend = await startServer(
      parseEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_PATH: path.join(work, 'backend.sqlite'),
        STORAGE_DIR: path.join(work, 'backend-images'),
        MODEL_SERVER_URL: modelServer.url,
        WEB_UI_DIR: path.join(work, 'no-ui'),
      }),
      pino({ level: 'silent' }),
    );
  });

  /** `pnpm eval` into `work/<name>` without annotated images; the report, if it was written. */
  async function evaluateInto(name: string, dataset: string, url: string, extra: string[] = []) {
    const out = path.join(work, name);
    const run = await runEval(['--dataset', dataset, '--url', url, '--out', out, '--no-images', ...extra]);
    expect(run.code, run.stderr).toBe(0);
    return { run, out, report: await readJson<Report>(path.join(out, 'report.json')) };
  }

  afterAll(async () => {
    await backend?.close();
    await modelServer?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('Should start its own model server without --url, evaluate the shipped dataset and print the figures', async () => {
    expect(ownServerRun.code, ownServerRun.stderr).toBe(0);
    expect(ownServerRun.stderr).toContain('No --url given: starting the model server');
    expect(ownServerRun.stdout).toMatch(
      /Evaluated centernet-coco \(version 1\) via the model server at http:\/\/127\.0\.0\.1:\d+ on 20 images \(coco: 91 objects, 2 crowd regions\)/,
    );
    expect(ownServerRun.stdout).toMatch(/COCO mAP@\[\.50:\.95\] 0\.\d{3} {3}AP50 0\.\d{3}/);
    expect(ownServerRun.stdout).toMatch(/precision 0\.\d{3} {2}recall 0\.\d{3} {2}F1 0\.\d{3}/);
    expect(ownServerRun.stdout).toMatch(/Latency per image: p50 \d+\.\d ms, p95 \d+\.\d ms/);

    const report = await readJson<Report>(path.join(ownServerOut(), 'report.json'));
    expect(report.dataset).toMatchObject({ format: 'coco', images: 20, annotations: 91, crowd_regions: 2 });
    expect(report.endpoint).toMatchObject({
      kind: 'model-server',
      model: 'centernet-coco',
      model_version: '1',
    });
    expect(report.failed_images).toBe(0);
    // A real detector on real photos: clearly better than nothing, clearly short of perfect.
    expect(report.coco.AP).toBeGreaterThan(0.2);
    expect(report.coco.AP).toBeLessThan(0.9);
    expect(report.coco.AP50).toBeGreaterThan(report.coco.AP);
    expect(report.coco.stats).toHaveLength(12);
    const m = report.matching;
    expect(m.tp + m.fn).toBe(91);
    expect(m.f1).toBeCloseTo((2 * m.tp) / (2 * m.tp + m.fp + m.fn), 12);
    expect(m.mean_iou).toBeGreaterThan(0.5);
    expect(report.images.reduce((sum, image) => sum + image.tp, 0)).toBe(m.tp);
    expect(report.latency_ms?.count).toBe(20);
    expect(report.latency_ms!.p95).toBeGreaterThanOrEqual(report.latency_ms!.p50);
    const person = report.coco.per_class.find((row) => row.name === 'person')!;
    expect(person.ground_truth).toBeGreaterThan(0);
    expect(person.ap).toBeGreaterThan(0);
    expect(report.pr_curves.overall['0.50']).toHaveLength(101);
    expect(report.pr_curves.per_class.person!['0.50'][0]).toBeGreaterThan(0);
  });

  it('Should write detections.json and ground-truth.json that a COCO tool re-scores to the same numbers', async () => {
    const report = await readJson<Report>(path.join(ownServerOut(), 'report.json'));
    const detections = await readJson<CocoResultsFile>(path.join(ownServerOut(), 'detections.json'));
    expect(detections.length).toBeGreaterThan(91);
    for (const d of detections) {
      expect(Object.keys(d).sort()).toEqual(['bbox', 'category_id', 'image_id', 'score']);
      expect(d.bbox[2]).toBeGreaterThanOrEqual(0);
    }
    const shipped = await readJson<CocoInstancesFile>(path.join(shippedDataset, 'instances.json'));
    const written = await readJson<CocoInstancesFile>(path.join(ownServerOut(), 'ground-truth.json'));
    expect(scoreCocoFiles(shipped, detections)).toEqual(report.coco.stats);
    expect(scoreCocoFiles(written, detections)).toEqual(report.coco.stats);
  });

  it('Should draw every image with ground truth and predictions, and an HTML report that shows in Chromium', async () => {
    const files = await readdir(path.join(ownServerOut(), 'images'));
    expect(files).toHaveLength(20);
    const annotated = await sharp(path.join(ownServerOut(), 'images', '000000000072.jpg')).metadata();
    expect([annotated.format, annotated.width, annotated.height]).toEqual(['jpeg', 427, 640]);
    // Ground-truth green and prediction red pixels are both present on an image with people.
    const { data, info } = await sharp(path.join(ownServerOut(), 'images', '000000000072.jpg'))
      .raw()
      .toBuffer({ resolveWithObject: true });
    let green = 0;
    let red = 0;
    for (let i = 0; i < data.length; i += info.channels) {
      const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
      if (g > 160 && r < 80 && b < 100) green++;
      if (r > 190 && g < 70 && b < 80) red++;
    }
    expect(green).toBeGreaterThan(200);
    expect(red).toBeGreaterThan(200);

    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      await page.goto(`file://${path.join(ownServerOut(), 'report.html')}`);
      await expect.poll(() => page.title()).toContain('Detection evaluation: centernet-coco');
      const images = page.locator('td img');
      await expect.poll(() => images.count()).toBe(20);
      await images.last().scrollIntoViewIfNeeded();
      await expect
        .poll(
          () =>
            images.evaluateAll(
              (elements) =>
                (elements as unknown as { complete: boolean; naturalWidth: number }[]).filter(
                  (img) => img.complete && img.naturalWidth > 0,
                ).length,
            ),
          {
            timeout: 10_000,
          },
        )
        .toBe(20);
      // The overall chart has three curves; each class with ground truth has a chart of two.
      const report = await readJson<Report>(path.join(ownServerOut(), 'report.json'));
      const classCharts = Object.keys(report.pr_curves.per_class).length;
      expect(await page.locator('svg.chart').count()).toBe(1 + classCharts);
      expect(await page.locator('svg.chart polyline').count()).toBe(3 + 2 * classCharts);
      expect(await page.locator('.card .value').first().textContent()).toBe(report.coco.AP.toFixed(3));
      await page.setViewportSize({ width: 1100, height: 900 });
      await page.locator('h1').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(repoRoot, 'test-results', 'evaluation-report.png') });
    } finally {
      await browser.close();
    }
  });

  it('Should give the same result through an already running model server and through the backend’s /detect', async () => {
    const own = await readJson<Report>(path.join(ownServerOut(), 'report.json'));
    const direct = await evaluateInto('direct', shippedDataset, modelServer.url);
    expect(direct.run.stderr).not.toContain('starting the model server');
    expect(direct.report.coco.AP).toBeCloseTo(own.coco.AP, 3);
    expect(await readdir(path.join(direct.out, 'images'))).toEqual([]);

    const { report: viaBackend } = await evaluateInto('backend', shippedDataset, backend.url);
    expect(viaBackend.endpoint).toMatchObject({ kind: 'backend', url: backend.url, model: 'centernet-coco' });
    expect(viaBackend.coco.AP).toBeCloseTo(own.coco.AP, 2);
    expect(viaBackend.matching.tp).toBeGreaterThan(0);
  });

  it('Should evaluate a YOLO-format dataset (the 64 test images with YOLO labels) with class names mapped to the model’s labels', async () => {
    const images = await testImages();
    const yoloDataset = path.join(work, 'yolo-dataset');
    await writeDataset(yoloDataset, images, { yolo: true });
    const boxes = images.reduce((sum, image) => sum + image.objects.filter((o) => !o.crowd).length, 0);
    const { out, report } = await evaluateInto('yolo', yoloDataset, modelServer.url, ['--format', 'yolo']);
    expect(report.dataset).toMatchObject({
      format: 'yolo',
      images: 64,
      annotations: boxes,
      crowd_regions: 0,
    });
    console.info(
      `YOLO-format test images: AP ${report.coco.AP.toFixed(3)}, AP50 ${report.coco.AP50.toFixed(3)}`,
    );
    expect(report.coco.AP).toBeGreaterThan(0.2);
    expect(report.unmatched_labels).toEqual({});
    const groundTruth = await readJson<CocoInstancesFile>(path.join(out, 'ground-truth.json'));
    expect(groundTruth.categories[0]).toEqual({ id: 0, name: 'person' });
  });

  it('Should refuse bad arguments with exit code 2 and the usage, and fail clearly on an unusable endpoint', async () => {
    const noDataset = await runEval([]);
    expect(noDataset.code).toBe(2);
    expect(noDataset.stderr).toContain('pnpm eval: --dataset DIR is required');
    expect(noDataset.stderr).toContain('Usage: pnpm eval --dataset DIR');

    const missing = await runEval(['--dataset', path.join(work, 'nothing-here'), '--url', modelServer.url]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/dataset folder .*nothing-here does not exist/);

    const closed = await runEval([
      '--dataset',
      shippedDataset,
      '--url',
      `http://127.0.0.1:${await closedPort()}`,
      '--timeout',
      '1',
    ]);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toMatch(/did not answer within 1 s \(last: ECONNREFUSED\)/);

    const unknownModel = await runEval([
      '--dataset',
      shippedDataset,
      '--url',
      modelServer.url,
      '--model',
      'yolo-nope',
    ]);
    expect(unknownModel.code).toBe(1);
    expect(unknownModel.stderr).toContain('has no model "yolo-nope"');
  });
});
